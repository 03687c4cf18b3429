/** `iptlens parse`: the AST as JSON, or a short summary. */
import type { Command } from "commander";
import type { Ruleset } from "../../model/ast.js";
import { rulesetToJson } from "../../model/json.js";
import { EXIT } from "../exit.js";
import { load, reportDiagnostics, UsageError } from "../load.js";
import { sanitize } from "../render.js";

export function registerParse(program: Command): void {
  program
    .command("parse")
    .description("parse a dump (iptables-save, iptables-restore input or iptables -S) and print its AST or a summary")
    .argument("[file]", "dump to read, - for standard input", "-")
    .option("--format <format>", "json | text", "text")
    .option("--family <n>", "address family 4 or 6 (default: detected)")
    .option("--table <name>", "table of iptables -S text that has no *table line (default: inferred)")
    .addHelpText(
      "after",
      `
Examples:
  iptables-save | iptlens parse -
  iptlens parse --format json corpus/dumps/kube-modern.save | jq '.ruleset.tables[].name'
  iptables -t nat -S | iptlens parse --table nat -`,
    )
    .action((file: string, o: { format: string; family?: string; table?: string }) => {
      if (o.format !== "json" && o.format !== "text") throw new UsageError(`--format must be json or text, not '${o.format}'`);
      const l = load(file, o);
      const bad = reportDiagnostics(l, "warning");
      if (o.format === "json") {
        process.stdout.write(JSON.stringify({ ...(rulesetToJson(l.ruleset) as object), diagnostics: l.diagnostics }) + "\n");
      } else {
        process.stdout.write(summary(l.ruleset, l.diagnostics.length));
      }
      process.exitCode = bad ? EXIT.invalidInput : EXIT.ok;
    });
}

export function summary(rs: Ruleset, diagnosticCount: number): string {
  const out: string[] = [];
  let rules = 0;
  const unknown = new Map<string, number>();
  for (const t of rs.tables) {
    const n = t.chains.reduce((a, c) => a + c.rules.length, 0);
    rules += n;
    const user = t.chains.filter((c) => !c.builtin).length;
    out.push(`table ${sanitize(t.name)}: ${t.chains.length} chains (${user} user-defined), ${n} rules`);
    for (const c of t.chains)
      for (const r of c.rules) {
        for (const m of r.matches) if (m.kind === "opaque-match") unknown.set(`-m ${m.module}`, (unknown.get(`-m ${m.module}`) ?? 0) + 1);
        if (r.target?.kind === "opaque-target") unknown.set(`-j ${r.target.name}`, (unknown.get(`-j ${r.target.name}`) ?? 0) + 1);
      }
  }
  out.unshift(`IPv${rs.family} ${rs.format === "rules" ? "iptables -S" : "iptables-save"} text: ${rs.tables.length} tables, ${rules} rules, ${diagnosticCount} diagnostics`);
  if (unknown.size) out.push(`not modelled: ${[...unknown].map(([k, v]) => `${sanitize(k)} (${v})`).join(", ")}`);
  return out.join("\n") + "\n";
}
