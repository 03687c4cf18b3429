/**
 * Renderings of findings: text for terminals, JSON for scripts, SARIF 2.1.0 for code scanning. Every
 * string that comes from a dump (messages quote chain names and comments) is escaped: `sanitize` for
 * text, and in JSON the C1 controls and line separators JSON.stringify leaves raw.
 */
import type { Severity } from "../model/diagnostics.js";
import { sanitize } from "../model/sanitize.js";
import { VERSION } from "../version.js";

export { sanitize };
import { RULES } from "./registry.js";
import { RULE_IDS, type Finding, type LintRule, type RuleId } from "./types.js";

/** JSON text with every control character escaped (JSON.stringify leaves C1 and U+2028/9 raw). */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export interface Summary {
  readonly error: number;
  readonly warning: number;
  readonly info: number;
  /** Hidden by a baseline. */
  readonly baselined: number;
}

export function summarize(findings: readonly Finding[], baselined = 0): Summary {
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return { error: n("error"), warning: n("warning"), info: n("info"), baselined };
}

/** `file:line:col: severity: message [rule]`, the source line, and the related places. */
export function formatText(findings: readonly Finding[], file: string, sourceText?: string, baselined = 0): string {
  const lines = sourceText?.split("\n");
  const out: string[] = [];
  const f0 = sanitize(file);
  for (const f of findings) {
    out.push(`${f0}:${f.line}:${f.column}: ${f.severity}: ${sanitize(f.message)} [${f.rule}]`);
    const src = lines?.[f.line - 1]?.replace(/\r$/, "");
    if (src !== undefined) {
      const shown = sanitize(src);
      out.push(`  ${shown.length > 200 ? shown.slice(0, 200) + "…" : shown}`);
    }
    for (const r of f.related) out.push(`  ${f0}:${r.line}:${r.column}: note: ${sanitize(r.message)}`);
  }
  const s = summarize(findings, baselined);
  const parts = [`${s.error} error${s.error === 1 ? "" : "s"}`, `${s.warning} warning${s.warning === 1 ? "" : "s"}`, `${s.info} info`];
  out.push(`${findings.length ? "" : "no findings; "}${parts.join(", ")}${baselined ? ` (${baselined} hidden by the baseline)` : ""}`);
  return out.join("\n") + "\n";
}

export function formatJson(findings: readonly Finding[], file: string, baselined = 0): string {
  return safeJson({ version: 1, tool: { name: "iptlens", version: VERSION }, file, summary: summarize(findings, baselined), findings }, 2) + "\n";
}

/** One line per rule for `--list-rules`. */
export function formatRuleList(): string {
  const w = Math.max(...RULE_IDS.map((id) => id.length));
  return RULE_IDS.map((id) => `${id.padEnd(w)}  ${RULES[id].severity.padEnd(7)}  ${RULES[id].title}`).join("\n") + "\n";
}

export function ruleListJson(): string {
  return (
    safeJson(
      RULE_IDS.map((id) => {
        const r: LintRule = RULES[id];
        return { id, severity: r.severity, title: r.title, tags: r.tags, rationale: r.rationale, docs: `docs/rules/${id}.md` };
      }),
      2,
    ) + "\n"
  );
}

export type { RuleId };
