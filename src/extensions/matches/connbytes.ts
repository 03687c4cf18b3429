/**
 * `-m connbytes` (iptables-extensions(8), "connbytes"): `[!] --connbytes from[:to]`,
 * `--connbytes-dir original|reply|both`, `--connbytes-mode packets|bytes|avgpkt` — the amount the
 * connection has transferred so far.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - order `[!] --connbytes N[:M] --connbytes-mode MODE --connbytes-dir DIR` (mode before dir); all three
 *   options are mandatory;
 * - a single number or an open range `N:` means N up to 2^64-1 and prints `N`; `:M` → `0:M`;
 *   `10:10` stays `10:10`; `0:0` prints `0`; `from > to` is refused ("20 should be less than 10");
 * - negation swaps the bounds in the kernel structure, and iptables-save prints `!` when from > to: so
 *   `! --connbytes 5:5` and `! --connbytes 0:0` lose their negation (the kernel then matches 5, or 0);
 * - numbers are 64-bit, strtoul base 0 (`0x10` → 16, `010` → 8); dir and mode are case-sensitive.
 *
 * Evaluation: the connection's counters are not in the dump: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { collect, mandatory, parseRangeRC, U64_MAX, unknown, valueLoc } from "./common.js";

export type ConnbytesDir = "original" | "reply" | "both";
export type ConnbytesMode = "packets" | "bytes" | "avgpkt";

export interface ConnbytesMatch extends MatchBase {
  readonly module: "connbytes";
  /** The kernel's bounds: from > to means "outside [to, from]" (a negated range). */
  readonly from: bigint;
  readonly to: bigint;
  readonly dir: ConnbytesDir;
  readonly mode: ConnbytesMode;
}

const DIRS: readonly ConnbytesDir[] = ["original", "reply", "both"];
const MODES: readonly ConnbytesMode[] = ["packets", "bytes", "avgpkt"];

/** `lo[:hi]` as print_from_to writes it: `:hi` only when hi is neither 0 nor the maximum. */
function fromTo(lo: bigint, hi: bigint): string {
  return hi !== 0n && hi !== U64_MAX ? `${lo}:${hi}` : String(lo);
}

export function formatConnbytes(m: ConnbytesMatch): string {
  return m.from > m.to ? `! --connbytes ${fromTo(m.to, m.from)}` : `--connbytes ${fromTo(m.from, m.to)}`;
}

export const connbytes = defineMatch<ConnbytesMatch>({
  name: "connbytes",
  options: [
    { name: "connbytes", args: 1, negatable: true },
    { name: "connbytes-dir", args: 1 },
    { name: "connbytes-mode", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "connbytes");
    const okN = mandatory(o, ctx, "connbytes", "connbytes", loc);
    const okD = mandatory(o, ctx, "connbytes", "connbytes-dir", loc);
    const okM = mandatory(o, ctx, "connbytes", "connbytes-mode", loc);
    if (!okN || !okD || !okM) return null;
    const c = o.get("connbytes")!;
    let from = 0n;
    let to = U64_MAX;
    const r = parseRangeRC(c.values[0]!, "connbytes", "connbytes", U64_MAX);
    if (typeof r === "string") ctx.error("bad-value", r, valueLoc(c));
    else {
      from = r.lo;
      to = r.hi ?? U64_MAX;
      if (from > to) ctx.error("bad-value", `${from} should be less than ${to}`, valueLoc(c));
      if (c.negated) {
        if (from === to) ctx.warn("negation-dropped", `connbytes: ! --connbytes ${from}:${to} is stored unnegated by iptables (the kernel matches exactly ${from})`, c.loc);
        [from, to] = [to, from];
      } else if (from === 0n && to === 0n)
        ctx.warn("value-changed", "connbytes: --connbytes 0:0 prints as `--connbytes 0`, which a restore reads as 0 and above", valueLoc(c));
    }
    const d = o.get("connbytes-dir")!;
    const dir = DIRS.find((x) => x === d.values[0]);
    if (!dir) ctx.error("bad-value", `Unknown --connbytes-dir \`${d.values[0]}'`, valueLoc(d));
    const mo = o.get("connbytes-mode")!;
    const mode = MODES.find((x) => x === mo.values[0]);
    if (!mode) ctx.error("bad-value", `Unknown --connbytes-mode \`${mo.values[0]}'`, valueLoc(mo));
    return { kind: "match", module: "connbytes", loc, from, to, dir: dir ?? "both", mode: mode ?? "packets" };
  },
  print(m) {
    return `${formatConnbytes(m)} --connbytes-mode ${m.mode} --connbytes-dir ${m.dir}`;
  },
  evaluate(m) {
    const what = m.mode === "avgpkt" ? "average packet size" : m.mode === "bytes" ? "byte count" : "packet count";
    const dir = m.dir === "both" ? "both directions" : `the ${m.dir} direction`;
    const range = m.from <= m.to ? `in ${m.from}:${m.to}` : `outside ${m.to}:${m.from}`;
    return unknown(`connbytes:${formatConnbytes(m)} ${m.mode} ${m.dir}`, `the connection's ${what} in ${dir} is ${range}`);
  },
});
