/**
 * Whole-ruleset checks that need every chain: jumps to chains that do not exist, and targets in places
 * the kernel refuses (its table restriction, and its hook mask checked through every jump path, as
 * the kernel's mark_source_chains/check_target do at load time).
 */
import { findTargetExtension } from "../extensions/index.js";
import { BUILTIN_CHAINS, HOOKS, type Hook, type Ruleset, type Table, type TableName } from "./ast.js";
import type { DiagnosticSink } from "./diagnostics.js";

export function validateRuleset(rs: Ruleset, sink: DiagnosticSink): void {
  for (const t of rs.tables) {
    const names = new Set(t.chains.map((c) => c.name));
    for (const c of t.chains)
      for (const r of c.rules) {
        if (r.target?.kind === "jump" && !names.has(r.target.chain)) {
          sink.error(
            "undefined-chain",
            `${r.target.goto ? "goto" : "jump"} to chain ${r.target.chain}, which does not exist in table ${t.name}`,
            r.target.loc,
          );
        }
      }
    checkPlacement(t, sink);
  }
}

/**
 * For each chain, the built-in hooks it can be reached from (through jumps and gotos). One worklist
 * pass propagating hook bitmasks: a chain is revisited only when it gains a hook, so at most five times.
 */
export function hooksReaching(t: Table): Map<string, Set<Hook>> {
  const masks = hookMasks(t);
  const out = new Map<string, Set<Hook>>();
  for (const [name, m] of masks) out.set(name, new Set(HOOKS.filter((_, k) => m & (1 << k))));
  return out;
}

/** `hooksReaching` as bitmasks over HOOKS (bit k = HOOKS[k]); no per-chain allocation. */
function hookMasks(t: Table): Map<string, number> {
  const index = new Map<string, number>();
  t.chains.forEach((c, i) => index.set(c.name, i));
  // Successors once, as indexes.
  const succ: number[][] = t.chains.map((c) => {
    const out: number[] = [];
    for (const r of c.rules) {
      if (r.target?.kind !== "jump") continue;
      const j = index.get(r.target.chain);
      if (j !== undefined) out.push(j);
    }
    return out;
  });
  const mask = new Uint8Array(t.chains.length);
  const hooks = (BUILTIN_CHAINS[t.name as TableName] ?? []) as readonly Hook[];
  const work: number[] = [];
  for (const h of hooks) {
    const i = index.get(h);
    if (i === undefined) continue;
    mask[i]! |= 1 << HOOKS.indexOf(h);
    work.push(i);
  }
  while (work.length) {
    const i = work.pop()!;
    for (const j of succ[i]!) {
      const m = mask[j]! | mask[i]!;
      if (m !== mask[j]) {
        mask[j] = m;
        work.push(j);
      }
    }
  }
  const out = new Map<string, number>();
  t.chains.forEach((c, i) => out.set(c.name, mask[i]!));
  return out;
}

const maskOf = (hooks: readonly Hook[]): number => hooks.reduce((m, h) => m | (1 << HOOKS.indexOf(h)), 0);

function checkPlacement(t: Table, sink: DiagnosticSink): void {
  let reach: Map<string, number> | undefined;
  for (const c of t.chains)
    for (const r of c.rules) {
      if (r.target?.kind !== "target") continue;
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
        reach ??= hookMasks(t);
        const badMask = (reach.get(c.name) ?? 0) & ~maskOf(ext.hooks);
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
