/**
 * Evaluating witnesses without compiling all of a large rule set: a copy of the rule set that keeps
 * every chain (and policy) but only the rules some explored packet can match. A rule no packet of the
 * explored regions can match is skipped by the engine for every such packet, so removing it changes no
 * outcome; only rule positions move, and `remap` gives outcomes their positions in the full rule set
 * back (lines are the rules' own and never change).
 */
import type { Ruleset, Rule } from "../model/ast.js";
import type { Decision, NatEvent, Outcome, RuleStep, TraceStep } from "../engine/index.js";

export interface Pruned {
  readonly ruleset: Ruleset;
  /** The outcome with rule positions of the full rule set. */
  remap(o: Outcome): Outcome;
}

export function prune(rs: Ruleset, keep: ReadonlySet<Rule>): Pruned {
  const positions = new Map<string, number[]>();
  const tables = rs.tables.map((t) => ({
    ...t,
    chains: t.chains.map((c) => {
      const kept: Rule[] = [];
      const orig: number[] = [];
      c.rules.forEach((r, i) => {
        if (!keep.has(r)) return;
        kept.push(r);
        orig.push(i + 1);
      });
      positions.set(`${t.name}\u0000${c.name}`, orig);
      return { ...c, rules: kept };
    }),
  }));
  const index = (table: string, chain: string, i: number): number => positions.get(`${table}\u0000${chain}`)?.[i - 1] ?? i;
  const step = <T extends RuleStep>(s: T): T => ({ ...s, index: index(s.table, s.chain, s.index) });
  const trace = (l: readonly TraceStep[]): TraceStep[] => l.map((s) => ("index" in s ? step(s) : s));
  const decision = (d: Decision | null): Decision | null => (d && "index" in d ? step(d) : d);
  return {
    ruleset: { ...rs, tables },
    remap: (o) => ({
      ...o,
      trace: trace(o.trace),
      nat: o.nat.map((n: NatEvent) => step(n)),
      decision: decision(o.decision),
      ...(o.alternatives ? { alternatives: o.alternatives.map((a) => ({ probability: a.probability, trace: trace(a.trace) })) } : {}),
    }),
  };
}
