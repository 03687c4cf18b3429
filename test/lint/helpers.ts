import { parseRuleset } from "../../src/model/build.js";
import { lint, type Finding, type LintOptions } from "../../src/lint/index.js";

export const FILTER_HEAD = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

export function lintText(text: string, opts: LintOptions = {}): Finding[] {
  const r = parseRuleset(text, { validate: false });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`test dump does not parse: ${errors.map((e) => `${e.line}: ${e.message}`).join("; ")}`);
  return lint(r.value, opts).findings;
}

/** A filter table with extra chains and rules. */
export function filter(rules: string[], chains: string[] = []): string {
  return FILTER_HEAD + chains.map((c) => `:${c} - [0:0]\n`).join("") + rules.join("\n") + "\nCOMMIT\n";
}

export function ids(fs: readonly Finding[], rule?: string): string[] {
  return fs.filter((f) => !rule || f.rule === rule).map((f) => `${f.rule} ${f.chain}#${f.index}`);
}
