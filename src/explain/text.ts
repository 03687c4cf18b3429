/**
 * The terminal form of an explanation, rendered from its JSON form so both always say the same.
 * Returns lines; text from the dump (chain names, comments) is not escaped here: the caller passes
 * every line through its sanitizer before printing.
 */
import type { ChainShortener } from "../kube/index.js";
import type { ExplainJson, JsonOutcome, JsonPacket, JsonService, JsonTraceStep } from "./index.js";

/** What a rule's target is, for the path display: a jump/goto target chain, or a target's name. */
export type StepTarget = { readonly jump: string; readonly goto: boolean } | { readonly name: string };

export interface TextOptions {
  /** Shortens hashed chain names (unambiguously); identity when absent. */
  readonly shorten?: ChainShortener;
  /** The target of the rule at a trace step (see `ruleTargets`); without it the path shows positions only. */
  readonly targetOf?: (table: string, chain: string, index: number) => StepTarget | undefined;
  /** Show the rules tested that failed (present in verbose results). */
  readonly verbose?: boolean;
}

function pct(p: number): string {
  if (p === 1) return "100%";
  const s = (p * 100).toFixed(p * 100 >= 10 ? 2 : 3);
  return `${s}%`;
}

function ep(addr: string, port: number | null, family: 4 | 6): string {
  if (port === null) return addr;
  return family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function describePacket(p: JsonPacket): string {
  const what =
    p.icmpType !== null ? `${p.proto} type ${p.icmpType} code ${p.icmpCode ?? 0}` : p.proto;
  return `${what} ${ep(p.src, p.sport, p.family)} -> ${ep(p.dst, p.dport, p.family)}`;
}

function describeService(s: JsonService): string {
  const where = s.via === "nodePort" ? `node port ${s.port}/${s.proto}` : `${s.via} ${s.address} ${s.proto}/${s.port}`;
  return `${s.name}, ${where}`;
}

function isPolicy(s: JsonTraceStep): s is Extract<JsonTraceStep, { policy: string }> {
  return "policy" in s;
}

/**
 * The trace as one line per (table, hook), steps joined by `->`:
 * `nat PREROUTING: PREROUTING #1 (l.12) -> KUBE-SERVICES #4 (l.40) -> KUBE-SEP-AB12… #2 (l.77) DNAT`.
 * A jump whose chain matched nothing shows as `CHAIN (no match)`.
 */
function pathLines(trace: readonly JsonTraceStep[], name: (c: string) => string, targetOf: TextOptions["targetOf"]): string[] {
  const lines: string[] = [];
  let key = "";
  let parts: string[] = [];
  const flush = () => {
    if (parts.length) lines.push(`${key}: ${parts.join(" -> ")}`);
    parts = [];
  };
  trace.forEach((s, i) => {
    const k = `${s.table} ${s.hook}`;
    if (k !== key) {
      flush();
      key = k;
    }
    if (isPolicy(s)) {
      parts.push(`policy ${s.policy}`);
      return;
    }
    const t = targetOf?.(s.table, s.chain, s.index);
    const here = `${name(s.chain)} #${s.index} (l.${s.line})`;
    if (t && "jump" in t) {
      parts.push(t.goto ? `${here} goto` : here);
      const next = trace[i + 1];
      if (!next || isPolicy(next) || next.chain !== t.jump || `${next.table} ${next.hook}` !== k) parts.push(`${name(t.jump)} (no match)`);
    } else parts.push(t ? `${here} ${t.name}` : here);
  });
  flush();
  return lines;
}

function verdictLine(o: JsonOutcome): string {
  switch (o.delivery) {
    case "local":
      return `${o.verdict}, delivered locally${o.outIface === "lo" ? " (through lo)" : ""}`;
    case "forward":
      return `${o.verdict}, forwarded out ${o.outIface ?? "?"}`;
    case "output":
      return `${o.verdict}, sent out ${o.outIface ?? "?"}`;
    case "none":
      return o.verdict === "REJECT" ? `REJECT (${o.rejectWith ?? "icmp-port-unreachable"})` : o.verdict;
  }
}

function outcomeLines(o: JsonOutcome, x: ExplainJson, name: (c: string) => string, opts: TextOptions): string[] {
  const verbose = opts.verbose === true;
  const out: string[] = [];
  const pad = (label: string) => `   ${label.padEnd(11)} `;
  out.push(`${pct(o.probability).padStart(8)}  ${verdictLine(o)}`);
  if (o.endpoint !== null) out.push(`${pad("endpoint")}${o.endpoint}`);
  if (o.service !== null && (x.service === null || o.service.name !== x.service.name || o.service.via !== x.service.via))
    out.push(`${pad("service")}${describeService(o.service)}`);
  const changed = o.packet.src !== x.packet.src || o.packet.dst !== x.packet.dst || o.packet.sport !== x.packet.sport || o.packet.dport !== x.packet.dport;
  out.push(`${pad("packet")}${describePacket(o.packet)}${changed ? ` (after ${o.nat.map((n) => n.kind).join(", ")})` : " (unchanged)"}${o.packet.mark !== "0x0" ? `, mark ${o.packet.mark}` : ""}`);
  if (o.verdict === "ACCEPT" && o.delivery !== "none") {
    const snat = o.nat.filter((n) => n.kind === "SNAT" || n.kind === "MASQUERADE");
    if (o.masquerade) {
      const last = snat[snat.length - 1]!;
      if (last.fromSource !== last.toSource)
        out.push(`${pad("masquerade")}yes: the source ${last.fromSource} becomes ${last.toSource} (${last.kind} in ${name(last.chain)})`);
      else
        out.push(
          `${pad("masquerade")}yes: ${last.kind} in ${name(last.chain)} replaces the source with ${o.outIface ?? "the output interface"}'s address (not known: give --node-ip ADDRESS=${o.outIface ?? "IFACE"})`,
        );
    } else out.push(`${pad("masquerade")}no: the source ${o.packet.src} is kept`);
  }
  const d = o.terminatedBy;
  if (d) {
    const rule = d.index !== null ? `${d.table} ${name(d.chain)} #${d.index} (line ${d.line})` : `${d.table} ${d.chain} policy`;
    out.push(`${pad("decided by")}${rule}: ${d.action}`);
  }
  for (const a of o.assumptions) out.push(`${pad("assuming")}${a.holds ? "" : "not: "}${a.text}${a.given ? " (given)" : ""}`);
  const paths = pathLines(o.trace, name, opts.targetOf);
  paths.forEach((l, i) => out.push(`${pad(i === 0 ? "path" : "")}${l}`));
  if (verbose && o.failed?.length) {
    out.push(`${pad("not matched")}${o.failed.length} rule(s):`);
    for (const f of o.failed) out.push(`${pad("")}${f.table} ${name(f.chain)} #${f.index} (l.${f.line}): ${f.failed}`);
  }
  for (const alt of o.alternatives ?? []) out.push(`${pad("also via")}${pct(alt.probability)}: ${pathLines(alt.trace, name, opts.targetOf).join(" | ")}`);
  for (const n of o.notes) out.push(`${pad("note")}${n}`);
  return out;
}

/** The explanation as lines of text (not yet sanitized). */
export function renderText(x: ExplainJson, opts: TextOptions = {}): string[] {
  const name = (c: string) => (opts.shorten ? opts.shorten.name(c) : c);
  const out: string[] = [];
  const p = x.packet;
  const extras = [
    `from ${x.from}${p.inIface ? ` (in ${p.inIface})` : ""}`,
    `ctstate ${p.ctstate}`,
    ...(p.mark !== "0x0" ? [`mark ${p.mark}`] : []),
  ];
  out.push(`packet    ${describePacket(p)}, ${extras.join(", ")}`);
  if (x.service) out.push(`service   ${describeService(x.service)}`);
  else if (x.otherServicesAtAddress.length) out.push(`service   none at ${p.dst} for ${p.proto}${p.dport !== null ? `/${p.dport}` : ""}`);
  else out.push("service   none (no kube-proxy frontend for this destination)");
  if (x.otherServicesAtAddress.length) {
    const others = x.otherServicesAtAddress.map((s) => `${s.name} (${s.via === "nodePort" ? "node port " : ""}${s.proto}/${s.port})`);
    out.push(`          ${p.dst} also serves: ${others.join(", ")}`);
  }
  if (x.outcomes.length === 0) {
    out.push("", "no outcome (see the diagnostics)");
    return out;
  }

  const assumed = x.outcomes.some((o) => o.assumptions.length > 0);
  out.push(
    "",
    `${x.outcomes.length} outcome${x.outcomes.length === 1 ? "" : "s"}${
      assumed ? "; they depend on assumptions (for any one answer to each, the outcomes that agree with it add up to 100%)" : ""
    }:`,
  );
  for (const o of x.outcomes) out.push("", ...outcomeLines(o, x, name, opts));

  if (!x.translated) {
    out.push("", `not translated: no rule rewrote the destination; the packet stays addressed to ${ep(p.dst, p.dport, p.family)}.`);
    if (x.service === null && x.otherServicesAtAddress.some((s) => s.via === "cluster IP"))
      out.push(
        `  ${p.dst} is a cluster IP: it is virtual, kube-proxy translates only the service's own ports and protocols,`,
        "  and nothing on the node answers anything else sent to it (ping to a cluster IP gets no reply).",
      );
    if (x.nearMisses.length) {
      out.push("  near misses (would have matched but for one condition):");
      for (const n of x.nearMisses.slice(0, 20))
        out.push(`    ${n.table} ${name(n.chain)} #${n.index} (line ${n.line}): fails on ${n.condition}, would ${shortTarget(n.target, name)}`);
      if (x.nearMisses.length > 20) out.push(`    … and ${x.nearMisses.length - 20} more (--format json lists them all)`);
    }
  }
  if (x.notes.length) {
    out.push("", "notes:");
    for (const n of x.notes) out.push(`  - ${n}`);
  }
  return out;
}

function shortTarget(t: string, name: (c: string) => string): string {
  const m = /^-([jg]) (\S+)(.*)$/.exec(t);
  if (!m) return t;
  return `${m[1] === "g" ? "-g" : "-j"} ${name(m[2]!)}${m[3]}`;
}
