/** `iptlens diff`: what changes a packet's fate between two dumps (src/diff), as text, JSON or markdown. */
import type { Command } from "commander";
import { ORIGINS, type Origin } from "../../engine/index.js";
import { parseNodeOptions } from "../../explain/index.js";
import { parseRuleset } from "../../model/build.js";
import { hasErrors } from "../../model/diagnostics.js";
import type { Ruleset } from "../../model/ast.js";
import {
  diffRulesets,
  diffToJson,
  incomparable,
  outcomeText,
  sameApartFromCounters,
  type DiffResult,
  type Difference,
  type KubeSummary,
  type ServiceChange,
} from "../../diff/index.js";
import { EXIT } from "../exit.js";
import { readInput } from "../io.js";
import { load, parseFamilyFlag, reportDiagnostics, UsageError, type Loaded } from "../load.js";
import { sanitize } from "../render.js";
import { safeJson } from "./explain.js";

interface Flags {
  format: string;
  nodeIp: string[];
  route: string[];
  podIface?: string;
  externalIface?: string;
  from?: string;
  family?: string;
  tolerance?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function ruleCount(rs: Ruleset): number {
  return rs.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
}

export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description("report what changes a packet's fate between two dumps, each difference with a witness packet")
    .argument("<old>", "the dump before (iptables-save or iptables -S), - for standard input")
    .argument("<new>", "the dump after")
    .option("--format <format>", "text | json | markdown", "text")
    .option("--node-ip <ip[=iface]>", "an address of the node (repeatable); 127.0.0.0/8 and ::1 are always local", collect, [])
    .option("--route <cidr=iface>", "a route (repeatable; default 0.0.0.0/0 and ::/0 via the external interface)", collect, [])
    .option("--pod-iface <iface>", "input interface of packets from pods", "cni0")
    .option("--external-iface <iface>", "default input interface of external packets and default route", "eth0")
    .option("--from <origins>", "origins to compare, comma-separated: external,pod,host (default all)")
    .option("--family <n>", "address family 4 or 6 (default: detected)")
    .option("--tolerance <p>", "largest probability difference taken as equal (default 1e-9)")
    .addHelpText(
      "after",
      `
Exit status: 0 the rule sets behave identically, 1 they differ (or equality could not be proved, see
"limitations"), 2 invalid input, 3 bad command line.

Chain renames (kube-proxy hash changes), reordering of independent rules, counters, comments, header
lines and equivalent spellings are not differences.

Examples:
  iptlens diff before-upgrade.save after-upgrade.save --node-ip 192.0.2.10
  iptlens diff node-a.save node-b.save --from external --format markdown > pr-comment.md
  iptlens diff known-good.save <(iptables-save) --format json | jq '.differences[].witness'`,
    )
    .action((oldPath: string, newPath: string, o: Flags) => {
      if (o.format !== "json" && o.format !== "text" && o.format !== "markdown") throw new UsageError(`--format must be text, json or markdown, not '${o.format}'`);
      if (oldPath === "-" && newPath === "-") throw new UsageError("the two dumps cannot both be standard input");
      const node = parseNodeOptions({ nodeIp: o.nodeIp, route: o.route, ...(o.podIface ? { podIface: o.podIface } : {}), ...(o.externalIface ? { externalIface: o.externalIface } : {}) });
      if (!node.ok) throw new UsageError(node.error);
      let origins: Origin[] = [...ORIGINS];
      if (o.from !== undefined) {
        const list = o.from.split(",").map((s) => s.trim()).filter(Boolean);
        const bad = list.find((x) => !(ORIGINS as readonly string[]).includes(x));
        if (bad !== undefined || !list.length) throw new UsageError(`--from takes external, pod and/or host, not '${bad ?? o.from}'`);
        origins = ORIGINS.filter((x) => list.includes(x));
      }
      let tolerance: number | undefined;
      if (o.tolerance !== undefined) {
        tolerance = Number(o.tolerance);
        if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance >= 1) throw new UsageError(`--tolerance must be a number in [0, 1), not '${o.tolerance}'`);
      }
      const family = parseFamilyFlag(o.family);
      const flags = o.family !== undefined ? { family: o.family } : {};

      const a = load(oldPath, flags);
      const newInput = readInput(newPath);
      // Dumps equal but for counters and comment lines are equivalent: no need to read the second.
      const same = sameApartFromCounters(a.text, newInput.text);
      const b: Loaded = same
        ? { name: newInput.name, text: newInput.text, ruleset: a.ruleset, diagnostics: a.diagnostics }
        : (() => {
            const r = parseRuleset(newInput.text, { file: newInput.name, ...(family ? { family } : {}) });
            return { name: newInput.name, text: newInput.text, ruleset: r.value, diagnostics: r.diagnostics };
          })();
      const badA = reportDiagnostics(a, "warning");
      const badB = same ? badA : reportDiagnostics(b, "warning");
      if (badA || badB || hasErrors(a.diagnostics) || hasErrors(b.diagnostics)) {
        process.exitCode = EXIT.invalidInput;
        return;
      }
      const why = incomparable(a.ruleset, b.ruleset);
      if (why) {
        process.stderr.write(`iptlens: ${sanitize(why)}\n`);
        process.exitCode = EXIT.invalidInput;
        return;
      }
      const result: DiffResult = same
        ? {
            equivalent: true,
            complete: true,
            limitations: [],
            summary: { kube: null, changedChains: [], noise: { renamedChains: 0, reorderedChains: 0 } },
            differences: [],
            stats: { suspectRegions: 0, regions: 0, classes: 0, evaluations: 0 },
          }
        : diffRulesets(a.ruleset, b.ruleset, { context: node.value, origins, ...(tolerance !== undefined ? { tolerance } : {}) });
      const old = { file: a.name, rules: ruleCount(a.ruleset), ruleset: a.ruleset };
      const neu = { file: b.name, rules: ruleCount(b.ruleset), ruleset: b.ruleset };
      if (o.format === "json") process.stdout.write(safeJson(diffToJson(result, old, neu)) + "\n");
      else process.stdout.write((o.format === "markdown" ? renderMarkdown(result, old, neu) : renderText(result, old, neu)).map(sanitize).join("\n") + "\n");
      process.exitCode = result.equivalent ? EXIT.ok : EXIT.findings;
    });
}

// ---- Rendering ---------------------------------------------------------------------------------------

interface Info {
  readonly file: string;
}

function verdictLine(j: DiffResult): string {
  if (j.equivalent) return "The rule sets behave identically.";
  if (!j.differences.length) return "No difference found, but equality is not proved (see limitations).";
  const services = new Set(j.differences.map((d) => d.service).filter((s) => s !== undefined));
  const n = j.differences.length;
  return `Behaviour differs: ${n} difference${n === 1 ? "" : "s"}${services.size ? ` (${services.size} service${services.size === 1 ? "" : "s"})` : ""}.`;
}

function protoSuffix(proto: string): string {
  return proto === "tcp" ? "" : ` (${proto})`;
}

function changeLines(c: ServiceChange): string[] {
  const out: string[] = [];
  const set = (label: string, s: { added: readonly (string | number)[]; removed: readonly (string | number)[] } | undefined) => {
    if (!s) return;
    const parts = [...s.added.map((x) => `+${x}`), ...s.removed.map((x) => `-${x}`)];
    out.push(`${label}: ${parts.join(" ")}`);
  };
  set("endpoints", c.endpoints);
  if (c.weights) out.push(`weights: ${c.weights.map((w) => `${w.endpoint} ${pct(w.before)} -> ${pct(w.after)}`).join(", ")}`);
  if (c.sessionAffinity) out.push(`session affinity: ${c.sessionAffinity.before} -> ${c.sessionAffinity.after}`);
  if (c.internalTrafficPolicy) out.push(`internal traffic policy: ${c.internalTrafficPolicy.before} -> ${c.internalTrafficPolicy.after}`);
  if (c.externalTrafficPolicy) out.push(`external traffic policy: ${c.externalTrafficPolicy.before} -> ${c.externalTrafficPolicy.after}`);
  set("source ranges", c.sourceRanges);
  set("node ports", c.nodePorts);
  set("cluster IPs", c.clusterIPs);
  set("external IPs", c.externalIPs);
  set("load-balancer IPs", c.loadBalancerIPs);
  return out;
}

function pct(p: number): string {
  return `${Number((p * 100).toPrecision(6))}%`;
}

function briefText(s: KubeSummary["servicesAdded"][number]): string {
  const parts = [
    ...s.clusterIPs.map((x) => `cluster IP ${x}`),
    ...s.external.map((x) => `external ${x}`),
    ...s.nodePorts.map((p) => `node port ${p}`),
    `${s.endpoints} endpoint${s.endpoints === 1 ? "" : "s"}`,
  ];
  return parts.join(", ");
}

function kubeLines(k: KubeSummary): string[] {
  const out: string[] = [];
  for (const s of k.servicesAdded) out.push(`+ ${s.service}${protoSuffix(s.proto)}: ${briefText(s)}`);
  for (const s of k.servicesRemoved) out.push(`- ${s.service}${protoSuffix(s.proto)}: ${briefText(s)}`);
  for (const c of k.servicesChanged) {
    out.push(`~ ${c.service}${protoSuffix(c.proto)}`);
    for (const l of changeLines(c)) out.push(`    ${l}`);
  }
  for (const s of k.staleChainsAppeared) out.push(`stale chain appeared: ${s.chain}${s.was ? ` (${s.was})` : ""}`);
  for (const s of k.staleChainsDisappeared) out.push(`stale chain removed: ${s.chain}${s.was ? ` (${s.was})` : ""}`);
  return out;
}

function noiseLine(j: DiffResult): string {
  const n = j.summary.noise;
  const parts: string[] = [];
  if (n.renamedChains) parts.push(`${n.renamedChains} chain${n.renamedChains === 1 ? "" : "s"} renamed`);
  if (n.reorderedChains) parts.push(`${n.reorderedChains} chain${n.reorderedChains === 1 ? "" : "s"} with independent rules reordered`);
  parts.push("counters, comments and spellings ignored");
  return `Not differences: ${parts.join("; ")}.`;
}

function title(d: Difference): string {
  return `${d.service ?? "packets"} — from ${d.origin}`;
}

export function renderText(j: DiffResult, old: Info, neu: Info): string[] {
  const out: string[] = [`iptlens diff ${old.file} -> ${neu.file}`, verdictLine(j)];
  const k = j.summary.kube;
  if (k) {
    const lines = kubeLines(k);
    if (lines.length) out.push("", "Services (kube-proxy):", ...lines.map((l) => `  ${l}`));
  }
  if (!k && j.summary.changedChains.length) out.push("", `Changed chains: ${j.summary.changedChains.map((c) => `${c.table} ${c.chain}`).join(", ")}`);
  out.push("", noiseLine(j));
  if (j.differences.length) {
    out.push("", "Differences:");
    j.differences.forEach((d) => {
      out.push("", `  ${title(d)}`);
      out.push(`    packets  ${d.predicate}`);
      out.push(`    witness  ${JSON.stringify(d.witness)}`);
      d.before.forEach((o, n) => out.push(`    ${n === 0 ? "before" : "      "}   ${outcomeText(o)}`));
      if (!d.before.length) out.push("    before   (no outcome)");
      d.after.forEach((o, n) => out.push(`    ${n === 0 ? "after " : "      "}   ${outcomeText(o)}`));
      if (!d.after.length) out.push("    after    (no outcome)");
    });
  }
  if (j.limitations.length) out.push("", "Limitations (regions compared at a witness only):", ...j.limitations.map((l) => `  ${l}`));
  return out;
}

/** Inline code that survives any content (backticks in a dump's comments). */
function code(s: string): string {
  const ticks = (s.match(/`+/g) ?? []).reduce((m, t) => Math.max(m, t.length), 0);
  const fence = "`".repeat(ticks + 1);
  return ticks ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

export function renderMarkdown(j: DiffResult, old: Info, neu: Info): string[] {
  const out: string[] = [`### iptlens diff ${code(old.file)} → ${code(neu.file)}`, "", `**${verdictLine(j)}**`];
  const k = j.summary.kube;
  if (k && kubeLines(k).length) {
    out.push("", "#### Services", "", "| | service | change |", "|---|---|---|");
    for (const s of k.servicesAdded) out.push(`| added | ${code(s.service)}${protoSuffix(s.proto)} | ${cell(briefText(s))} |`);
    for (const s of k.servicesRemoved) out.push(`| removed | ${code(s.service)}${protoSuffix(s.proto)} | ${cell(briefText(s))} |`);
    for (const c of k.servicesChanged) out.push(`| changed | ${code(c.service)}${protoSuffix(c.proto)} | ${cell(changeLines(c).join("; "))} |`);
    for (const s of k.staleChainsAppeared) out.push(`| stale chain | ${code(s.chain)} | appeared${s.was ? ` (${cell(s.was)})` : ""} |`);
    for (const s of k.staleChainsDisappeared) out.push(`| stale chain | ${code(s.chain)} | removed${s.was ? ` (${cell(s.was)})` : ""} |`);
  }
  if (!k && j.summary.changedChains.length) out.push("", `Changed chains: ${j.summary.changedChains.map((c) => code(`${c.table} ${c.chain}`)).join(", ")}`);
  out.push("", `_${noiseLine(j)}_`);
  if (j.differences.length) {
    out.push("", "#### Differences");
    j.differences.forEach((d) => {
      out.push("", `**${d.service ? code(d.service) : "packets"}** from ${d.origin}: ${code(d.predicate)}`, "");
      out.push(`- witness: ${code(JSON.stringify(d.witness))}`);
      out.push("- before:", ...(d.before.length ? d.before.map((o) => `  - ${code(outcomeText(o))}`) : ["  - (no outcome)"]));
      out.push("- after:", ...(d.after.length ? d.after.map((o) => `  - ${code(outcomeText(o))}`) : ["  - (no outcome)"]));
    });
  }
  if (j.limitations.length) out.push("", "#### Limitations", "", ...j.limitations.map((l) => `- ${cell(l)}`));
  return out;
}
