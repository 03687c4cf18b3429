/**
 * `-m statistic` (iptables-extensions(8), "statistic"): `--mode random [!] --probability P` or
 * `--mode nth [!] --every N --packet P`. kube-proxy spreads service traffic over endpoints with it.
 *
 * The probability is stored as a 31-bit fixed-point number: libxt_statistic parses it with strtod
 * (range 0-1) and keeps `lround(0x80000000 * p)`; xt_statistic matches when
 * `(get_random_u32() & 0x7FFFFFFF) < stored`, so the real probability is `stored / 2^31` exactly;
 * iptables-save prints `stored / 2^31` with `%.11f` (glibc: exact value, ties to even).
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - `0.5` → `0.50000000000`, `0.33333333349` and `0.3333333333` → `0.33333333349`, `0.33333` →
 *   `0.33332999982`, `0.1` → `0.10000000009`, `0.2000000000` → `0.20000000019`, `1.0`/`1` →
 *   `1.00000000000`, `0.0`/`0` → `0.00000000000`, `0.99999999999` → `1.00000000000`,
 *   `0.0000000003` → `0.00000000047`, `0.000244140625` → `0.00024414062` (tie to even),
 *   `.5`, `1e-1` and `0x0.8` are accepted (strtod); `1.5`, `-0.5`, `abc` are refused;
 * - negation prints after the mode: `--mode random ! --probability 0.50000000000`,
 *   `--mode nth ! --every 3 --packet 1`; `! --mode` is refused;
 * - nth: `--every` and `--packet` require each other in 1.8.9; `--packet 0` is printed; the packet must be
 *   below every (`--every 3 --packet 3` is refused); `--every 0` is refused.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, words } from "../util.js";
import { parseCUint } from "./common.js";
import { opaque } from "../../space/expr.js";

export interface StatisticRandom {
  /** The probability as written. */
  readonly text: string;
  /** The stored value: `lround(2^31 * p)`, 0 … 2^31. */
  readonly fixed: number;
  /** The effective probability, `fixed / 2^31`. */
  readonly probability: number;
}

export interface StatisticNth {
  readonly every: number;
  readonly packet: number;
}

export interface StatisticMatch extends MatchBase {
  readonly module: "statistic";
  readonly mode: "random" | "nth";
  /** `! --probability` / `! --every`: the match result is inverted. */
  readonly negated: boolean;
  /** Set when mode is random. */
  readonly random?: StatisticRandom;
  /** Set when mode is nth. */
  readonly nth?: StatisticNth;
}

const TWO31 = 0x80000000;

/** strtod as XTTYPE_DOUBLE accepts it: decimal or hexadecimal floating point, whole text. */
export function parseCDouble(text: string): number | null {
  const t = text.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  const hx = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(t);
  if (hx && (hx[2]! !== "" || (hx[3] ?? "") !== "")) {
    const int = hx[2]! === "" ? 0 : parseInt(hx[2]!, 16);
    let frac = 0;
    const f = hx[3] ?? "";
    for (let i = 0; i < f.length; i++) frac += parseInt(f[i]!, 16) / 16 ** (i + 1);
    const v = (int + frac) * 2 ** Number(hx[4] ?? "0");
    return hx[1] === "-" ? -v : v;
  }
  return null;
}

/** The stored fixed-point value for a probability in [0, 1] (lround: halves away from zero). */
export function probabilityToFixed(p: number): number {
  return Math.floor(p * TWO31 + 0.5);
}

/** `%.11f` of `fixed / 2^31`, exact, rounding ties to even as glibc's printf does. */
export function formatProbability(fixed: number): string {
  const scaled = BigInt(fixed) * 10n ** 11n;
  const den = BigInt(TWO31);
  let q = scaled / den;
  const r2 = (scaled % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(12, "0");
  return `${digits.slice(0, -11)}.${digits.slice(-11)}`;
}

export const statistic = defineMatch<StatisticMatch>({
  name: "statistic",
  options: [
    { name: "mode", args: 1 },
    { name: "probability", args: 1, negatable: true },
    { name: "every", args: 1, negatable: true },
    { name: "packet", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "statistic");
    const modeOpt = o.get("mode");
    const prob = o.get("probability");
    const every = o.get("every");
    const packet = o.get("packet");
    const negated = (prob?.negated ?? false) || (every?.negated ?? false);
    if (!modeOpt) {
      ctx.error("missing-option", "statistic: option --mode must be specified", loc);
      return null;
    }
    const mode = modeOpt.values[0]!;
    if (mode !== "random" && mode !== "nth") {
      ctx.error("bad-value", `statistic: bad mode "${mode}" (expected random or nth)`, modeOpt.valueLocs[0] ?? modeOpt.loc);
      return null;
    }
    if (mode === "random") {
      if (every) ctx.error("conflicting-options", `statistic: ${every.written} cannot be used in random mode`, every.loc);
      if (packet) ctx.error("conflicting-options", `statistic: ${packet.written} cannot be used in random mode`, packet.loc);
      if (!prob) {
        ctx.error("missing-option", "statistic: --probability must be specified when using random mode", modeOpt.loc);
        return null;
      }
      const text = prob.values[0]!;
      const p = parseCDouble(text);
      if (p === null || Number.isNaN(p) || p < 0 || p > 1) {
        ctx.error("bad-value", `statistic: bad value for option "--probability", or out of range (0-1): '${text}'`, prob.valueLocs[0] ?? prob.loc);
        return null;
      }
      const fixed = probabilityToFixed(p);
      return { kind: "match", module: "statistic", loc, negated, mode, random: { text, fixed, probability: fixed / TWO31 } };
    }
    if (prob) ctx.error("conflicting-options", "statistic: --probability cannot be used in nth mode", prob.loc);
    if (!every || !packet) {
      if (!every && !packet) ctx.error("missing-option", "statistic: --every and --packet must be specified when using nth mode", modeOpt.loc);
      else if (!packet) ctx.error("missing-option", "statistic: option --every also requires --packet", every!.loc);
      else ctx.error("missing-option", "statistic: option --packet also requires --every", packet.loc);
      return null;
    }
    const n = parseCUint(every.values[0]!);
    if (n === null || n < 1) {
      ctx.error("bad-value", `statistic: bad value for option "--every", or out of range (1-4294967295): '${every.values[0]}'`, every.valueLocs[0] ?? every.loc);
      return null;
    }
    const p = parseCUint(packet.values[0]!);
    if (p === null) {
      ctx.error("bad-value", `statistic: bad value for option "--packet": '${packet.values[0]}'`, packet.valueLocs[0] ?? packet.loc);
      return null;
    }
    if (p > n - 1) {
      ctx.error("bad-value", `statistic: the --packet p must be 0 <= p <= n-1 (here n is ${n})`, packet.valueLocs[0] ?? packet.loc);
      return null;
    }
    return { kind: "match", module: "statistic", loc, negated, mode, nth: { every: n, packet: p } };
  },
  print(m) {
    const bang = m.negated ? "! " : "";
    if (m.random) return `--mode random ${bang}--probability ${formatProbability(m.random.fixed)}`;
    if (m.nth) return words(`--mode nth ${bang}--every ${m.nth.every}`, `--packet ${m.nth.packet}`);
    return `--mode ${m.mode}`;
  },
  evaluate(m) {
    if (m.random) {
      const p = m.random.probability;
      return { kind: "random", probability: m.negated ? 1 - p : p };
    }
    // Deviation: nth mode is a per-rule packet counter; a single packet's chance of being the n-th is
    // taken as 1/every.
    const p = 1 / (m.nth?.every ?? 1);
    return { kind: "random", probability: m.negated ? 1 - p : p };
  },
  space() {
    return opaque("statistic (a random or every-nth draw)");
  },
});
