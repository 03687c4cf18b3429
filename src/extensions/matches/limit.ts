/**
 * `-m limit --limit RATE[/second|/minute|/hour|/day] --limit-burst N` (iptables-extensions(8),
 * "limit"): a token bucket. The kernel stores the rate as a period, `avg = 10000 * unit_seconds / n`
 * (integer division; XT_LIMIT_SCALE 10000), and iptables-save prints that period back in the largest
 * unit that divides it well (libxt_limit print_rate), so the printed rate may differ from the written one.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - `-m limit` alone prints `--limit 3/hour` (the default rate); the default burst 5 is not printed;
 * - units are prefixes of second/minute/hour/day, any case (`5/m`, `5/mi`, `5/MIN` → `5/min`;
 *   `5/minutes` and `5/week` are refused); a bare number is per second (`7` → `7/sec`);
 * - units print as `sec`, `min`, `hour`, `day`, re-chosen from the period: `60/min` → `1/sec`,
 *   `3600/hour` → `1/sec`, `24/day` → `1/hour`, `3000/min` → `50/sec`, `7000/s` → `10000/sec`,
 *   `9999/s` → `10000/sec`, `86399/day` → `1/sec`, `7/min`, `13/day`, `23/min` stay;
 * - the number is read with atoi (`5abc/s` → `5/sec`, `1.5/s` → `1/sec`); `0/s` is refused, and so is
 *   anything faster than 10000/s ("Rate too fast");
 * - `--limit-burst` 0-10000; `--limit-burst 0` is refused by the legacy kernel, and iptables-nft stores
 *   no burst for it (it prints back without `--limit-burst`);
 * - neither option can be negated.
 *
 * Evaluation: the bucket's fill level is state the dump does not hold, so the match is `unknown` with
 * key `limit:RATE burst N` (RATE as printed) — an engine that assumes "not rate limited" answers it true.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, words } from "../util.js";
import { parseCUint, unknown } from "./common.js";

export interface LimitMatch extends MatchBase {
  readonly module: "limit";
  /** The stored period: 10000 × seconds between packets on average (XT_LIMIT_SCALE units). */
  readonly avg: number;
  readonly burst: number;
}

export const XT_LIMIT_SCALE = 10000;
export const DEFAULT_LIMIT_BURST = 5;
const UNITS: readonly { readonly name: string; readonly long: string; readonly secs: number }[] = [
  { name: "day", long: "day", secs: 86400 },
  { name: "hour", long: "hour", secs: 3600 },
  { name: "min", long: "minute", secs: 60 },
  { name: "sec", long: "second", secs: 1 },
];

/** The stored period for a rate text, or an error message. */
export function parseRate(text: string): number | string {
  const slash = text.indexOf("/");
  let mult = 1;
  if (slash >= 0) {
    const u = text.slice(slash + 1).toLowerCase();
    const unit = u === "" ? undefined : UNITS.find((x) => x.long.startsWith(u));
    if (!unit) return `bad rate "${text}" (unit must be /second, /minute, /hour or /day)`;
    mult = unit.secs;
  }
  const m = /^\s*[+-]?\d+/.exec(text);
  const r = m ? Number.parseInt(m[0], 10) : 0;
  if (!r || r < 0) return `bad rate "${text}"`;
  const avg = Math.floor((XT_LIMIT_SCALE * mult) / r);
  if (avg === 0) return `rate too fast "${text}" (at most 10000/second)`;
  return avg;
}

/** libxt_limit print_rate: `N/unit` for a stored period. */
export function formatRate(period: number): string {
  const mults = UNITS.map((u) => u.secs * XT_LIMIT_SCALE);
  let i = 1;
  for (; i < UNITS.length; i++) if (period > mults[i]! || Math.floor(mults[i]! / period) < mults[i]! % period) break;
  return `${Math.floor(mults[i - 1]! / period)}/${UNITS[i - 1]!.name}`;
}

export const limit = defineMatch<LimitMatch>({
  name: "limit",
  options: [
    { name: "limit", args: 1 },
    { name: "limit-burst", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "limit");
    let avg = parseRate("3/hour") as number;
    let burst = DEFAULT_LIMIT_BURST;
    const l = o.get("limit");
    if (l) {
      const r = parseRate(l.values[0]!);
      if (typeof r === "string") ctx.error("bad-value", `limit: ${r}`, l.valueLocs[0] ?? l.loc);
      else avg = r;
    }
    const b = o.get("limit-burst");
    if (b) {
      const n = parseCUint(b.values[0]!, 10000);
      const vloc = b.valueLocs[0] ?? b.loc;
      if (n === null) ctx.error("bad-value", `limit: bad value for option --limit-burst, or out of range (0-10000): '${b.values[0]}'`, vloc);
      else if (n === 0)
        ctx.warn("bad-value", "limit: --limit-burst 0 is refused by the legacy kernel; iptables-nft keeps the default burst 5", vloc);
      else burst = n;
    }
    return { kind: "match", module: "limit", loc, avg, burst };
  },
  print(m) {
    return words(`--limit ${formatRate(m.avg)}`, m.burst !== DEFAULT_LIMIT_BURST && `--limit-burst ${m.burst}`);
  },
  evaluate(m) {
    const rate = formatRate(m.avg);
    return unknown(`limit:${rate} burst ${m.burst}`, `the packet rate is within ${rate} (burst ${m.burst})`);
  },
});
