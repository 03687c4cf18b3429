/**
 * The plain reference walker: recursive, every rule of every chain in order, no index. It exists to be
 * obviously right; the property test checks that the indexed, iterative walker (./walk.ts) gives the
 * same outcomes. Recursion depth is bounded by MAX_DEPTH jumps, and each rule's branches are followed
 * one after the other, so it is only meant for test-sized rule sets.
 */
import type { Hook, TableName } from "../model/ast.js";
import { HOOK_INDEX, viewOf, whereOf, type CChain } from "./compile.js";
import {
  MAX_DEPTH,
  applyPolicy,
  applyTarget,
  cons,
  giveUp,
  giveUpPath,
  recordFailure,
  recordUnmatched,
  settleTrivialWalk,
  ruleStep,
  splitPending,
  testRule,
  type PathState,
  type TableEnd,
  type TableWalker,
  type Unmatched,
  type WalkContext,
} from "./step.js";

/** How a chain traversal ended: fell off / returned (the caller continues), or ended the table. */
type ChainResult = { readonly state: PathState; readonly end: TableEnd | "return" };

export const walkTableSequential: TableWalker = (w: WalkContext, table: TableName, hook: Hook, start: PathState, out: PathState[]): void => {
  if (settleTrivialWalk(w, table, HOOK_INDEX[hook], hook, start)) {
    out.push(start);
    return;
  }
  const chains = w.compiled.tables.get(table)!.chains;
  const base = w.compiled.tables.get(table)!.bases[HOOK_INDEX[hook]]!;
  const env = w.node.env(table, hook);
  const failAt = { i: -1 };

  /**
   * Rules of `chain` from position `from` on. `stack` names the chains being traversed (and those left
   * by goto), `depth` counts jump frames. Worlds split off by undecided conditions are walked at once
   * and their results appended after the main path's.
   */
  const walk = (chain: CChain, from: number, s: PathState, stack: readonly string[], depth: number): ChainResult[] => {
    const later: ChainResult[] = [];
    const done = (r: ChainResult[]): ChainResult[] => [...r, ...later];
    const where = whereOf(chain, hook);
    for (let i = from; i < chain.rules.length; i++) {
      const cr = chain.rules[i]!;
      const v = viewOf(s.packet);
      const m = testRule(cr, v, env, failAt);
      if (m === false) {
        if (w.verbose || w.nearMisses) recordFailure(w, s, where, cr, v, env, failAt.i);
        continue;
      }
      if (m !== true) {
        const split: Unmatched[] = [];
        const matched = splitPending(w, s, m, split);
        for (const u of split) {
          recordUnmatched(w, u.state, where, cr, u.why);
          later.unshift(...(u.cut ? [ended(giveUpPath(u.state))] : walk(chain, i + 1, u.state, stack, depth)));
        }
        if (!matched) continue;
      }
      s.trace = cons(ruleStep(where, cr), s.trace);
      const r = applyTarget(where, cr, s, env);
      switch (r.kind) {
        case "continue":
          continue;
        case "return":
          return done([{ state: s, end: "return" }]);
        case "end":
          return done([{ state: s, end: r.end }]);
        case "jump": {
          const target = chains.get(r.chain);
          const at = `${table} ${chain.name} rule ${cr.index}`;
          if (!target) return done([ended(giveUp(w, where, cr, s, "undefined-chain", `${at} jumps to ${r.chain}, which does not exist`))]);
          if (stack.includes(r.chain))
            return done([ended(giveUp(w, where, cr, s, "chain-loop", `chain loop: ${at} ${r.goto ? "goes to" : "jumps to"} ${r.chain}, which is already being traversed`))]);
          // RETURN from a goto'd chain returns from this one.
          if (r.goto) return done(walk(target, 0, s, [...stack, r.chain], depth));
          if (depth >= MAX_DEPTH) return done([ended(giveUp(w, where, cr, s, "chain-depth", `jumps nest deeper than ${MAX_DEPTH} chains at ${at}`))]);
          const out: ChainResult[] = [];
          for (const sub of walk(target, 0, s, [...stack, r.chain], depth + 1)) {
            if (sub.end === "return") out.push(...walk(chain, i + 1, sub.state, stack, depth));
            else out.push(sub);
          }
          return done(out);
        }
      }
    }
    return done([{ state: s, end: "return" }]);
  };

  for (const r of walk(base, 0, start, [hook], 1)) {
    if (r.end === "return") out.push(applyPolicy(base, hook, r.state));
    else {
      r.state.ended = r.end;
      out.push(r.state);
    }
  }
};

function ended(s: PathState): ChainResult {
  return { state: s, end: s.ended };
}
