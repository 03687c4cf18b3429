/**
 * `-m ttl {[!] --ttl-eq N | --ttl-lt N | --ttl-gt N}` (iptables-extensions(8), "ttl"; IPv4 only), and
 * the shared logic of `-m hl` (IPv6 hop limit).
 *
 * Observed with iptables 1.8.9 iptables-save: printed as given (`! --ttl-eq 64`, `--ttl-lt 10`); numbers
 * are strtoul base 0 (`0x10` → `16`), 0-255; only `--ttl-eq` can be negated; exactly one option
 * ("TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt'"; two are refused).
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type MatchEval, type OptionOccurrence, type OptionSpec } from "../types.js";
import { byName } from "../util.js";
import { parseCUint, unknown } from "./common.js";

export type TtlOp = "eq" | "ne" | "lt" | "gt";

export interface TtlMatch extends MatchBase {
  readonly module: "ttl";
  /** `ne` is `! --ttl-eq`. */
  readonly op: TtlOp;
  readonly value: number;
}

export function ttlOptions(prefix: "ttl" | "hl"): OptionSpec[] {
  return [
    { name: `${prefix}-eq`, args: 1, negatable: true },
    { name: `${prefix}-lt`, args: 1 },
    { name: `${prefix}-gt`, args: 1 },
  ];
}

export function decodeTtl(prefix: "ttl" | "hl", opts: readonly OptionOccurrence[], ctx: DecodeContext, loc: MatchBase["loc"]): { op: TtlOp; value: number } | null {
  const o = byName(opts, ctx, prefix);
  const given = (["eq", "lt", "gt"] as const).filter((k) => o.has(`${prefix}-${k}`)).map((k) => [k, o.get(`${prefix}-${k}`)!] as const);
  given.sort((a, b) => a[1].loc.offset - b[1].loc.offset);
  if (given.length === 0) {
    ctx.error("missing-option", `${prefix}: you must specify one of --${prefix}-eq, --${prefix}-lt, --${prefix}-gt`, loc);
    return null;
  }
  if (given.length > 1) ctx.error("conflicting-options", `${prefix}: ${given[1]![1].written} cannot be used together with ${given[0]![1].written}`, given[1]![1].loc);
  const [k, occ] = given[0]!;
  const value = parseCUint(occ.values[0]!, 255);
  if (value === null) {
    ctx.error("bad-value", `${prefix}: bad value for option ${occ.written}, or out of range (0-255): '${occ.values[0]}'`, occ.valueLocs[0] ?? occ.loc);
    return null;
  }
  return { op: k === "eq" && occ.negated ? "ne" : k, value };
}

export function printTtl(prefix: "ttl" | "hl", op: TtlOp, value: number): string {
  return op === "ne" ? `! --${prefix}-eq ${value}` : `--${prefix}-${op} ${value}`;
}

/** Deviation: packets carry no TTL/hop limit here, so the test is left to an assumption. */
export function evalTtl(prefix: "ttl" | "hl", op: TtlOp, value: number): MatchEval {
  const what = prefix === "ttl" ? "TTL" : "hop limit";
  const rel = { eq: "is", ne: "is", lt: "is below", gt: "is above" }[op];
  return unknown(`${prefix}-${op === "ne" ? "eq" : op} ${value}`, `the packet's ${what} ${rel} ${value}`, op === "ne");
}

export const ttl = defineMatch<TtlMatch>({
  name: "ttl",
  families: [4],
  options: ttlOptions("ttl"),
  decode(opts, ctx, loc) {
    const r = decodeTtl("ttl", opts, ctx, loc);
    return r && { kind: "match", module: "ttl", loc, ...r };
  },
  print(m) {
    return printTtl("ttl", m.op, m.value);
  },
  evaluate(m) {
    return evalTtl("ttl", m.op, m.value);
  },
});
