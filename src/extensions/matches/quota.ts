/**
 * `-m quota` (iptables-extensions(8), "quota"): `[!] --quota bytes`, a byte budget the match consumes.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save: `[!] --quota N` in decimal (`0x10` → 16),
 * 0-18446744073709551615, strtoul base 0 (`1k` is refused); mandatory, once.
 *
 * Evaluation: the remaining budget is kernel state the dump does not hold: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg } from "../util.js";
import { collect, mandatory, U64_MAX, unknown, valueLoc, xtStrtoul } from "./common.js";

export interface QuotaMatch extends MatchBase {
  readonly module: "quota";
  readonly negated: boolean;
  readonly quota: bigint;
}

export const quota = defineMatch<QuotaMatch>({
  name: "quota",
  options: [{ name: "quota", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "quota");
    if (!mandatory(o, ctx, "quota", "quota", loc)) return null;
    const q = o.get("quota")!;
    const r = xtStrtoul(q.values[0]!, 0n, U64_MAX);
    if (!r) ctx.error("bad-value", `quota: bad value for option "--quota", or out of range (0-${U64_MAX}).`, valueLoc(q));
    return { kind: "match", module: "quota", loc, negated: q.negated, quota: r?.value ?? 0n };
  },
  print(m) {
    return `${neg(m.negated)}--quota ${m.quota}`;
  },
  evaluate(m) {
    return unknown(`quota:${m.quota}`, `the quota of ${m.quota} bytes is not used up yet`, m.negated);
  },
});
