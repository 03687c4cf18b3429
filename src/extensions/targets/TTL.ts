/**
 * `-j TTL` (iptables-extensions(8), "TTL", IPv4): `--ttl-set N`, `--ttl-dec N`, `--ttl-inc N`. The IPv6
 * twin is HL (HL.ts, same shape). Non-terminating.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18: printed as given with a
 * decimal value (`--ttl-set 0x10` → `--ttl-set 16`); `--ttl-set` 0–255, `--ttl-dec`/`--ttl-inc` 1–255
 * ('TTL: bad value for option "--ttl-dec", or out of range (1-255).'); one action is required ("TTL:
 * You must specify an action") and they exclude each other; placement: mangle table only ("TTL target:
 * only valid in mangle table, not nat"), any chain.
 */
import type { TargetBase } from "../../model/ast.js";
import type { DecodeContext, OptionOccurrence } from "../types.js";
import { defineTarget } from "../types.js";
import { parseU32, reportExclusive } from "./mark-ops.js";

export type TtlMode = "set" | "dec" | "inc";

export interface TtlTarget extends TargetBase {
  readonly name: "TTL";
  readonly mode: TtlMode;
  readonly value: number;
}

/** Shared by TTL and HL: `prefix` is `ttl` or `hl`. */
export function decodeTtlLike(
  opts: readonly OptionOccurrence[],
  ctx: DecodeContext,
  loc: OptionOccurrence["loc"],
  module: string,
  prefix: string,
): { mode: TtlMode; value: number } {
  let mode: TtlMode = "set";
  let value = 0;
  const seen = new Set<string>();
  for (const o of opts) {
    if (seen.has(o.spec.name)) {
      ctx.error("repeated-option", `${module}: option "${o.written}" can only be used once`, o.loc);
      continue;
    }
    seen.add(o.spec.name);
    const m = o.spec.name.slice(prefix.length + 1) as TtlMode;
    const min = m === "set" ? 0 : 1;
    const v = parseU32(o.values[0] ?? "");
    if (v === null || v < min || v > 255) {
      ctx.error("bad-value", `${module}: bad value for option "${o.written}", or out of range (${min}-255)`, o.valueLocs[0] ?? o.loc);
      continue;
    }
    mode = m;
    value = v;
  }
  reportExclusive(opts, [`${prefix}-set`, `${prefix}-dec`, `${prefix}-inc`], ctx, module);
  if (seen.size === 0) ctx.error("missing-option", `${module}: You must specify an action`, loc);
  return { mode, value };
}

export const TTL = defineTarget<TtlTarget>({
  name: "TTL",
  families: [4],
  tables: ["mangle"],
  options: [
    { name: "ttl-set", args: 1 },
    { name: "ttl-dec", args: 1 },
    { name: "ttl-inc", args: 1 },
  ],
  decode(opts, ctx, loc) {
    return { kind: "target", name: "TTL", loc, ...decodeTtlLike(opts, ctx, loc, "TTL", "ttl") };
  },
  print(t) {
    return `--ttl-${t.mode} ${t.value}`;
  },
  evaluate() {
    return { kind: "continue" };
  },
});
