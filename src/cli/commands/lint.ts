/** `iptlens lint`: run the lint rules over a dump; text, JSON or SARIF; exit 1 on findings at --fail-on. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { IpAddr } from "../../net/addr.js";
import { lint, exitCode, type Level, type RuleId } from "../../lint/index.js";
import { applyBaseline, BaselineError, formatBaseline, makeBaseline, parseBaseline } from "../../lint/baseline.js";
import { ConfigError, parseConfig, parseNodeIp, parseRuleFlag, parseSeverity, type LintConfig } from "../../lint/config.js";
import { formatJson, formatRuleList, formatText, ruleListJson } from "../../lint/output.js";
import { formatSarif } from "../../lint/sarif.js";
import { EXIT } from "../exit.js";
import { load, reportDiagnostics, UsageError } from "../load.js";

const DEFAULT_CONFIG = ".iptlens.json";

interface LintFlags {
  format: string;
  failOn?: string;
  rule: string[];
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  listRules?: boolean;
  nodeIp: string[];
  family?: string;
  table?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function readConfig(path: string | undefined): LintConfig | undefined {
  const p = path ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (p === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(p, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read config ${p}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  return parseConfig(text, p);
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description("find broken or dangerous rules in a dump (generic netfilter and kube-proxy checks)")
    .argument("[file]", "dump to read, - for standard input", "-")
    .option("--format <format>", "text | json | sarif", "text")
    .option("--fail-on <severity>", "exit 1 when a finding is at least error | warning | info (default error)")
    .option("--rule <ID=LEVEL>", "set a rule's level: off | info | warning | error (repeatable)", collect, [])
    .option("--config <file>", `JSON config with rules, failOn, nodeIps (default ${DEFAULT_CONFIG} when present)`)
    .option("--baseline <file>", "hide findings recorded in this baseline")
    .option("--write-baseline <file>", "record the current findings as a baseline")
    .option("--list-rules", "list the rules with their default severity and exit")
    .option("--node-ip <ip[=iface]>", "an address of the node, as for explain (repeatable); used by kube-service-ip-hijack", collect, [])
    .option("--family <n>", "address family 4 or 6 (default: detected)")
    .option("--table <name>", "table of iptables -S text that has no *table line (default: inferred)")
    .addHelpText(
      "after",
      `
Exit status: 0 no finding at --fail-on, 1 some finding at --fail-on, 2 the dump could not be read or parsed,
3 bad command line or config.

Examples:
  iptables-save | iptlens lint -
  iptlens lint --format sarif --fail-on warning node.save > lint.sarif
  iptlens lint --rule unused-chain=off --node-ip 192.168.49.2 node.save
  iptlens lint --write-baseline .iptlens-baseline.json node.save   # accept today's findings
  iptlens lint --baseline .iptlens-baseline.json node.save         # report only new ones`,
    )
    .action((file: string, o: LintFlags) => {
      if (!["text", "json", "sarif"].includes(o.format)) throw new UsageError(`--format must be text, json or sarif, not '${o.format}'`);
      if (o.listRules) {
        process.stdout.write(o.format === "text" ? formatRuleList() : ruleListJson());
        process.exitCode = EXIT.ok;
        return;
      }
      let config: LintConfig | undefined;
      const levels: Partial<Record<RuleId, Level>> = {};
      const nodeIps: IpAddr[] = [];
      let failOn;
      try {
        config = readConfig(o.config);
        Object.assign(levels, config?.levels ?? {});
        for (const r of o.rule) {
          const [id, level] = parseRuleFlag(r);
          levels[id] = level;
        }
        nodeIps.push(...(config?.nodeIps ?? []), ...o.nodeIp.flatMap((s) => s.split(",")).map((s) => parseNodeIp(s.split("=")[0]!, "--node-ip")));
        failOn = o.failOn !== undefined ? parseSeverity(o.failOn, "--fail-on") : (config?.failOn ?? "error");
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(e.message);
        throw e;
      }
      let baseline;
      if (o.baseline !== undefined) {
        let text: string;
        try {
          text = readFileSync(o.baseline, "utf8");
        } catch (e) {
          throw new UsageError(`cannot read baseline ${o.baseline}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
        }
        try {
          baseline = parseBaseline(text, o.baseline);
        } catch (e) {
          if (e instanceof BaselineError) throw new UsageError(e.message);
          throw e;
        }
      }

      const l = load(file, o, { validate: false });
      if (reportDiagnostics(l, "warning")) {
        process.exitCode = exitCode({ findings: [], failOn, invalidInput: true });
        return;
      }
      const all = lint(l.ruleset, { levels, facts: { nodeIps } }).findings;
      if (o.writeBaseline !== undefined) writeFileSync(o.writeBaseline, formatBaseline(makeBaseline(all)));
      const { findings, hidden } = baseline ? applyBaseline(all, baseline) : { findings: all, hidden: 0 };
      const out =
        o.format === "json" ? formatJson(findings, l.name, hidden) : o.format === "sarif" ? formatSarif(findings, l.name) : formatText(findings, l.name, l.text, hidden);
      process.stdout.write(out);
      process.exitCode = exitCode({ findings, failOn });
    });
}
