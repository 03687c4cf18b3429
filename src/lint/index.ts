/**
 * Lint: rules that find broken or dangerous rule sets, each in its own file under rules/.
 *
 * ## Design note
 *
 * Every rule is a file exporting its documentation (id, default severity, title, rationale, a bad and a
 * good example dump) and a `check` that reports through one callback; registry.ts lists them in a
 * `Record<RuleId, LintRule>` so that the compiler refuses a rule without documentation, and
 * `docs/rules/<id>.md` is generated from the same objects (docs.ts, kept in sync by a test).
 *
 * Rules share analyses through `LintContext` (context.ts): rule positions, the symbolic space of each
 * rule's conditions (src/space), the jump graph, what each target does to the traversal (effects.ts),
 * and the kube-proxy service catalogue (kube/). `shadowed-rule` is the one rule that needs packet-set
 * reasoning; its algorithm and exactness argument are in shadow.ts.
 *
 * A finding is data: rule, severity, message, table, chain, rule index, line, column, related places
 * and a `subject` (the canonical rule text or `:CHAIN`) that baselines match on, so that a baseline
 * survives reordering. Severity comes from the rule's default, a finding's own (kube-stale-chain in
 * large clusters), or the user's level for the rule, in increasing precedence. The exit code is a pure
 * function of findings and options (exit.ts).
 *
 * Precision over recall: a linter that cries wolf on a healthy node gets switched off. Rules that need
 * to guess stay silent (the healthy-node tests assert zero warnings on every kube-proxy era mixed with
 * Calico, Docker, Flannel and Cilium chains).
 *
 * @example
 * const { value: rs } = parseRuleset(text, { validate: false });
 * const { findings } = lint(rs, { levels: { "unused-chain": "off" } });
 * process.exitCode = exitCode({ findings, failOn: "error" });
 */
import type { Ruleset, SourceLoc } from "../model/ast.js";
import { severityRank } from "../model/diagnostics.js";
import { LintContext } from "./context.js";
import { RULES } from "./registry.js";
import { RULE_IDS, type Anchor, type Finding, type Level, type NodeFacts, type Related, type Report, type RuleId } from "./types.js";

export * from "./types.js";
export { RULES, ALL_RULES, isRuleId } from "./registry.js";
export { LintContext } from "./context.js";
export { exitCode, meetsThreshold } from "./exit.js";

export interface LintOptions {
  /** Per-rule levels (`off` disables); rules not named keep their default severity. */
  readonly levels?: Partial<Record<RuleId, Level>>;
  readonly facts?: NodeFacts;
}

export interface LintResult {
  readonly findings: Finding[];
  /** Milliseconds spent per rule. */
  readonly timings: Partial<Record<RuleId, number>>;
}

/** Run every enabled rule over a parsed rule set. */
export function lint(rs: Ruleset, opts: LintOptions = {}): LintResult {
  const levels = opts.levels ?? {};
  const enabled = (id: RuleId) => levels[id] !== "off";
  const ctx = new LintContext(rs, opts.facts ?? {}, enabled);
  const findings: Finding[] = [];
  const timings: Partial<Record<RuleId, number>> = {};
  for (const id of RULE_IDS) {
    if (!enabled(id)) continue;
    const rule = RULES[id];
    const level = levels[id];
    const t0 = performance.now();
    rule.check(ctx, (r: Report) => {
      const severity = level && level !== "off" ? level : (r.severity ?? rule.severity);
      findings.push(toFinding(ctx, id, severity, r));
    });
    timings[id] = performance.now() - t0;
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message));
  return { findings, timings };
}

interface Place {
  table: string;
  chain: string;
  index: number | null;
  line: number;
  column: number;
  subject: string;
}

function place(ctx: LintContext, a: Anchor): Place {
  if ("rule" in a) {
    const p = ctx.position(a.rule);
    return { table: p.table.name, chain: p.chain.name, index: p.index, line: a.rule.loc.line, column: a.rule.loc.column, subject: ctx.text(a.rule) };
  }
  if ("chain" in a) {
    const loc: SourceLoc | null = a.chain.loc ?? a.table.loc;
    return { table: a.table.name, chain: a.chain.name, index: null, line: loc?.line ?? 1, column: loc?.column ?? 1, subject: `:${a.chain.name}` };
  }
  return { table: a.table.name, chain: a.chainName ?? "", index: null, line: a.loc?.line ?? 1, column: a.loc?.column ?? 1, subject: `*${a.table.name}` };
}

function toFinding(ctx: LintContext, rule: RuleId, severity: Finding["severity"], r: Report): Finding {
  const p = place(ctx, r.at);
  const related: Related[] = (r.related ?? []).map((x) => {
    const q = place(ctx, x);
    return { table: q.table, chain: q.chain, index: q.index, line: q.line, column: q.column, message: x.message };
  });
  return { rule, severity, message: r.message, table: p.table, chain: p.chain, index: p.index, line: p.line, column: p.column, related, subject: p.subject };
}

/** Findings at or above a severity. */
export function atLeast(findings: readonly Finding[], min: Finding["severity"]): Finding[] {
  return findings.filter((f) => severityRank[f.severity] >= severityRank[min]);
}
