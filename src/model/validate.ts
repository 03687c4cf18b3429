/**
 * Whole-ruleset checks that need every chain: jumps to chains that do not exist, and targets in places
 * the kernel refuses (its table restriction, and its hook mask checked through every jump path, as
 * the kernel's mark_source_chains/check_target do at load time).
 */
import { findTargetExtension } from "../extensions/index.js";
import { BUILTIN_CHAINS, HOOKS, type Hook, type JumpTarget, type Rule, type Ruleset, type Table, type TableName } from "./ast.js";
import type { DiagnosticSink } from "./diagnostics.js";

export function validateRuleset(rs: Ruleset, sink: DiagnosticSink): void {
  for (const t of rs.tables) {
    const graph = jumpGraph(t);
    for (const r of graph.undefinedJumps) {
      const tg = r.target as JumpTarget;
      sink.error("undefined-chain", `${tg.goto ? "goto" : "jump"} to chain ${tg.chain}, which does not exist in table ${t.name}`, tg.loc);
    }
    checkPlacement(t, graph, sink);
  }
}

/**
 * For each chain, the built-in hooks it can be reached from (through jumps and gotos). One worklist
 * pass propagating hook bitmasks: a chain is revisited only when it gains a hook, so at most five times.
 */
export function hooksReaching(t: Table): Map<string, Set<Hook>> {
  const masks = hookMasks(t, jumpGraph(t));
  const out = new Map<string, Set<Hook>>();
  t.chains.forEach((c, i) => out.set(c.name, new Set(HOOKS.filter((_, k) => masks[i]! & (1 << k)))));
  return out;
}

/** The jumps of a table as chain positions (successors in compressed rows), and jumps that go nowhere. */
interface JumpGraph {
  readonly index: Map<string, number>;
  /** Successors of chain i: `succ[start[i]] … succ[start[i+1]-1]`. */
  readonly start: Int32Array;
  readonly succ: Int32Array;
  readonly undefinedJumps: Rule[];
}

function jumpGraph(t: Table): JumpGraph {
  const chains = t.chains;
  const index = new Map<string, number>();
  for (let i = 0; i < chains.length; i++) index.set(chains[i]!.name, i);
  const start = new Int32Array(chains.length + 1);
  const succ: number[] = [];
  const undefinedJumps: Rule[] = [];
  for (let i = 0; i < chains.length; i++) {
    start[i] = succ.length;
    const rules = chains[i]!.rules;
    for (let k = 0; k < rules.length; k++) {
      const tg = rules[k]!.target;
      if (tg === null || tg.kind !== "jump") continue;
      const j = index.get(tg.chain);
      if (j === undefined) undefinedJumps.push(rules[k]!);
      else succ.push(j);
    }
  }
  start[chains.length] = succ.length;
  return { index, start, succ: Int32Array.from(succ), undefinedJumps };
}

/** `hooksReaching` as bitmasks over HOOKS (bit k = HOOKS[k]) per chain position; no per-chain allocation. */
function hookMasks(t: Table, g: JumpGraph): Uint8Array {
  const mask = new Uint8Array(t.chains.length);
  const hooks = (BUILTIN_CHAINS[t.name as TableName] ?? []) as readonly Hook[];
  const work: number[] = [];
  for (const h of hooks) {
    const i = g.index.get(h);
    if (i === undefined) continue;
    mask[i]! |= 1 << HOOKS.indexOf(h);
    work.push(i);
  }
  while (work.length) {
    const i = work.pop()!;
    for (let k = g.start[i]!; k < g.start[i + 1]!; k++) {
      const j = g.succ[k]!;
      const m = mask[j]! | mask[i]!;
      if (m !== mask[j]) {
        mask[j] = m;
        work.push(j);
      }
    }
  }
  return mask;
}

const maskOf = (hooks: readonly Hook[]): number => hooks.reduce((m, h) => m | (1 << HOOKS.indexOf(h)), 0);

function checkPlacement(t: Table, g: JumpGraph, sink: DiagnosticSink): void {
  let reach: Uint8Array | undefined;
  for (let i = 0; i < t.chains.length; i++) {
    const c = t.chains[i]!;
    for (const r of c.rules) {
      if (r.target === null || r.target.kind !== "target") continue;
      const ext = findTargetExtension(r.target.name);
      if (!ext) continue;
      if (ext.tables && !ext.tables.includes(t.name as TableName)) {
        sink.error(
          "invalid-target-placement",
          `${r.target.name} is only valid in the ${ext.tables.join("/")} table, not ${t.name} (the kernel refuses the rule)`,
          r.target.loc,
        );
        continue;
      }
      if (ext.hooks) {
        reach ??= hookMasks(t, g);
        const badMask = reach[i]! & ~maskOf(ext.hooks);
        if (badMask) {
          const bad = HOOKS.filter((_, k) => badMask & (1 << k));
          const via = c.builtin ? "" : ` (chain ${c.name} is reached from ${bad.join(", ")})`;
          sink.error(
            "invalid-target-placement",
            `${r.target.name} is only valid from ${ext.hooks.join("/")}${via}; the kernel refuses the rule set`,
            r.target.loc,
          );
        }
      }
    }
  }
}
