/**
 * Whole-ruleset checks that need every chain: jumps to chains that do not exist, and targets in places
 * the kernel refuses (its table restriction, and its hook mask checked through every jump path, as
 * the kernel's mark_source_chains/check_target do at load time).
 */
import { findTargetExtension } from "../extensions/index.js";
import { BUILTIN_CHAINS, type Hook, type Ruleset, type Table, type TableName } from "./ast.js";
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

/** For each chain, the built-in hooks it can be reached from (through jumps and gotos). */
export function hooksReaching(t: Table): Map<string, Set<Hook>> {
  const byName = new Map(t.chains.map((c) => [c.name, c]));
  const reach = new Map<string, Set<Hook>>();
  for (const c of t.chains) reach.set(c.name, new Set());
  for (const hook of BUILTIN_CHAINS[t.name as TableName] ?? []) {
    const stack = [hook as string];
    const seen = new Set<string>();
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      reach.get(n)?.add(hook);
      for (const r of byName.get(n)?.rules ?? []) if (r.target?.kind === "jump" && byName.has(r.target.chain)) stack.push(r.target.chain);
    }
  }
  return reach;
}

function checkPlacement(t: Table, sink: DiagnosticSink): void {
  let reach: Map<string, Set<Hook>> | undefined;
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
        reach ??= hooksReaching(t);
        const bad = [...(reach.get(c.name) ?? [])].filter((h) => !ext.hooks!.includes(h));
        if (bad.length) {
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
