/**
 * `-m hashlimit` (iptables-extensions(8), "hashlimit"), revision 3: `[!] --hashlimit-upto RATE`,
 * `[!] --hashlimit-above RATE` (old name `--hashlimit` for upto), `--hashlimit-burst N`,
 * `--hashlimit-mode {srcip|srcport|dstip|dstport},…`, `--hashlimit-srcmask PREFIX`,
 * `--hashlimit-dstmask PREFIX`, `--hashlimit-name NAME`, `--hashlimit-htable-size N`,
 * `--hashlimit-htable-max N`, `--hashlimit-htable-gcinterval MS`, `--hashlimit-htable-expire MS`,
 * `--hashlimit-rate-match`, `--hashlimit-rate-interval S`.
 *
 * The kernel stores what libxt_hashlimit computed (a period in 1/1000000 s, or a byte "cost"), and
 * iptables-save prints it back with libxt_hashlimit's arithmetic, reproduced here. Observed with
 * iptables 1.8.9 (nf_tables) iptables-save:
 * - order: `--hashlimit-upto|--hashlimit-above RATE`, `--hashlimit-burst N` (always, default 5; in byte
 *   mode only when given, as `--hashlimit-burst NNkb`), `--hashlimit-mode LIST` (only when not empty),
 *   `--hashlimit-name NAME`, then `--hashlimit-htable-size` / `-max` (when not 0), `-gcinterval` (when
 *   not 1000), `-expire` (when not the default of the printed unit), `--hashlimit-srcmask` /
 *   `--hashlimit-dstmask` (when not 32 / 128), `--hashlimit-rate-match`, `--hashlimit-rate-interval`
 *   (when rate-match is on and the interval is not 1);
 * - `! --hashlimit-upto` prints `--hashlimit-above` and vice versa; `--hashlimit` prints as upto;
 * - packet rates re-chosen from the period like `-m limit` (`60/min` → `1/sec`); a rate given per minute
 *   (hour, day) keeps an expiry of 60000 (3600000, 86400000) ms, so `60/min` prints
 *   `… --hashlimit-upto 1/sec … --hashlimit-htable-expire 60000`; `1000000/s` is the fastest;
 *   `5abc/s` → `5/sec` (atoll), units are case-insensitive prefixes of second/minute/hour/day;
 * - byte rates `Nb/s`, `Nkb/s`, `Nmb/s` go through a cost and back: `100b/s` → `96b/s`,
 *   `1024kb/s` → `1mb/s`, `2000mb/s` → `2047mb/s`, `15b/s` → `0b/s`; burst `1500` at `1kb/s` → `2kb`;
 * - `--hashlimit-burst` is 1-1000000, base 0, with an optional k/m multiplier (`10k` → 10240);
 * - the mode list prints as srcip,srcport,dstip,dstport; items are split at `,` and `|`; `""` is no mode;
 * - the name prints raw, never quoted (`"a b"` → `a b`), cut to 254 characters;
 * - with `--hashlimit-rate-match` the stored period is divided by the unit (`5/min` → `5/sec` and
 *   `--hashlimit-rate-interval 60`); `--hashlimit-rate-interval` alone is not printed;
 * - the kernel refuses masks above 32 (IPv4) and non-contiguous masks, gcinterval or expire 0, and rates
 *   whose rate × burst overflow its credit arithmetic (`1/day` with burst 2+: Numerical result out of
 *   range; computed for HZ 250/1000).
 *
 * Evaluation: the per-flow buckets are state the dump does not hold: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { maskToPrefix, parseAddr } from "../../net/addr.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { words } from "../util.js";
import { badValue, collect, exclusive, mandatory, U32_MAX, U64_MAX, unknown, valueLoc, xtStrtoul, xtUint } from "./common.js";

export type HashlimitMode = "srcip" | "srcport" | "dstip" | "dstport";

export interface HashlimitMatch extends MatchBase {
  readonly module: "hashlimit";
  /** true: `--hashlimit-above` (XT_HASHLIMIT_INVERT). */
  readonly above: boolean;
  /** Byte mode (XT_HASHLIMIT_BYTES): `avg` is a cost, `burst` a count of `avg`-sized units (0 = none). */
  readonly bytes: boolean;
  /** Packet mode: period in 1/1000000 s (XT_HASHLIMIT_SCALE_v2), divided by the unit with rate-match. */
  readonly avg: number;
  readonly burst: number;
  /** In print order. */
  readonly mode: readonly HashlimitMode[];
  readonly name: string;
  readonly size: number;
  readonly max: number;
  readonly gcInterval: number;
  readonly expire: number;
  readonly srcmask: number;
  readonly dstmask: number;
  readonly rateMatch: boolean;
  readonly interval: number;
}

const SCALE = 1_000_000;
const BYTE_SHIFT = 4;
const BURST_MAX = 1_000_000;
const DEFAULT_BURST = 5;
const DEFAULT_GC = 1000;
/** HZ * CREDITS_PER_JIFFY / XT_HASHLIMIT_SCALE_v2 for HZ 250 and 1000 (user2credits). */
const CREDITS_FACTOR = 137438953n;
const MODES: readonly HashlimitMode[] = ["srcip", "srcport", "dstip", "dstport"];
const RATES = [
  { name: "day", mult: SCALE * 86400 },
  { name: "hour", mult: SCALE * 3600 },
  { name: "min", mult: SCALE * 60 },
  { name: "sec", mult: SCALE },
] as const;
const UNITS = [
  { name: "m", thresh: 1024 * 1024 },
  { name: "k", thresh: 1024 },
  { name: "", thresh: 1 },
] as const;
/** Longest name iptables-save prints back. */
export const MAX_HASHLIMIT_NAME = 254;

const factor = (c: string | undefined) => (c === "m" ? 1024 * 1024 : c === "k" ? 1024 : 1);

/** bytes_to_cost: UINT32_MAX / ((bytes >> 4, as u32) + 1). */
export function bytesToCost(bytes: bigint): number {
  const r = (bytes >> BigInt(BYTE_SHIFT)) & 0xffffffffn;
  return Number(0xffffffffn / ((r + 1n) & 0xffffffffn || 1n));
}

/** cost_to_bytes. */
export function costToBytes(cost: number): number {
  const r = cost ? Math.floor(U32_MAX / cost) : U32_MAX;
  return (r - 1) * 2 ** BYTE_SHIFT;
}

/** parse_bytes: a byte cost for `Nb/s`, `Nkb/s`, `Nmb/s`, undefined when the text is no byte rate. */
function parseBytes(text: string): number | "too high" | undefined {
  const at = text.indexOf("b/s");
  if (at <= 0) return undefined;
  const r = atoll(text);
  if (r <= 0n) return undefined;
  const cost = bytesToCost(r * BigInt(factor(text[at - 1])));
  return cost === 0 ? "too high" : cost;
}

/** atoll on the leading digits (optional sign, leading blanks). */
function atoll(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? BigInt(m[1]!) : 0n;
}

/** parse_rate (revision 2+): the period and the unit multiplier, or undefined / "too fast". */
function parseRate(text: string): { avg: number; mult: number } | "too fast" | undefined {
  let mult = 1;
  const slash = text.indexOf("/");
  if (slash >= 0) {
    const u = text.slice(slash + 1).toLowerCase();
    if (u === "") return undefined;
    const unit = [["second", 1], ["minute", 60], ["hour", 3600], ["day", 86400]].find(([n]) => (n as string).startsWith(u));
    if (!unit) return undefined;
    mult = unit[1] as number;
  }
  const r = atoll(text);
  if (r === 0n) return undefined;
  if (r < 0n) return undefined;
  const avg = (BigInt(SCALE) * BigInt(mult)) / r;
  if (avg === 0n) return "too fast";
  return { avg: Number(avg), mult };
}

/** print_rate: `N/unit` and the quantum (ms of the printed unit). */
export function formatRate(period: number): { text: string; quantum: number } {
  if (period === 0) return { text: "inf", quantum: 0 };
  let i = 1;
  for (; i < RATES.length; i++) if (period > RATES[i]!.mult || Math.floor(RATES[i]!.mult / period) < RATES[i]!.mult % period) break;
  const r = RATES[i - 1]!;
  return { text: `${Math.floor(r.mult / period)}/${r.name}`, quantum: (r.mult / SCALE) * 1000 };
}

/** print_bytes: the rate, the optional burst, and the quantum. */
export function formatBytes(cost: number, burst: number): { rate: string; burst?: string; quantum: number } {
  const r = costToBytes(cost);
  let i = 0;
  for (; i < UNITS.length - 1; i++) {
    const t = UNITS[i]!.thresh;
    // The mask is computed in 32 bits: bits above 31 are cleared too (a libxt_hashlimit quirk).
    const masked = BigInt(r) & BigInt((~(t - 1)) >>> 0);
    if (r >= t && bytesToCost(masked) === cost) break;
  }
  const rate = `${Math.floor(r / UNITS[i]!.thresh)}${UNITS[i]!.name}b/s`;
  if (burst === 0) return { rate, quantum: 15000 };
  const total = BigInt(r) * BigInt(burst);
  let j = 0;
  for (; j < UNITS.length - 1; j++) if (total >= BigInt(UNITS[j]!.thresh)) break;
  return { rate, burst: `${total / BigInt(UNITS[j]!.thresh)}${UNITS[j]!.name}b`, quantum: 60000 };
}

function decodeMask(o: OptionOccurrence, ctx: DecodeContext): number | undefined {
  const full = ctx.family === 4 ? 32 : 128;
  const text = o.values[0]!;
  const bad = () => {
    ctx.error("bad-value", `hashlimit: bad value for option "--${o.spec.name}", neither a valid network mask nor valid CIDR (0-${full}).`, valueLoc(o));
    return undefined;
  };
  const n = xtStrtoul(text, 0n, ctx.family === 4 ? BigInt(U32_MAX) : 128n);
  if (n) {
    const v = Number(n.value);
    if (v > full) ctx.error("bad-value", `hashlimit: --${o.spec.name} ${v} is longer than an IPv4 address (the kernel refuses it: Invalid argument)`, valueLoc(o));
    return v;
  }
  const a = parseAddr(text, ctx.family);
  if (!a) return bad();
  const len = maskToPrefix(ctx.family, a.value);
  if (len === null) ctx.error("bad-value", `hashlimit: --${o.spec.name} ${text} is not a contiguous mask (the kernel refuses it: Invalid argument)`, valueLoc(o));
  return len ?? full;
}

export const hashlimit = defineMatch<HashlimitMatch>({
  name: "hashlimit",
  options: [
    { name: "hashlimit-upto", aliases: ["hashlimit"], args: 1, negatable: true },
    { name: "hashlimit-above", args: 1, negatable: true },
    { name: "hashlimit-srcmask", args: 1 },
    { name: "hashlimit-dstmask", args: 1 },
    { name: "hashlimit-burst", args: 1 },
    { name: "hashlimit-htable-size", args: 1 },
    { name: "hashlimit-htable-max", args: 1 },
    { name: "hashlimit-htable-gcinterval", args: 1 },
    { name: "hashlimit-htable-expire", args: 1 },
    { name: "hashlimit-mode", args: 1 },
    { name: "hashlimit-name", args: 1 },
    { name: "hashlimit-rate-match", args: 0 },
    { name: "hashlimit-rate-interval", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "hashlimit");
    exclusive(o, ctx, "hashlimit", "hashlimit-upto", "hashlimit-above");
    const up = o.get("hashlimit-upto");
    const ab = o.get("hashlimit-above");
    const rateOcc = up && ab ? (up.loc.offset < ab.loc.offset ? up : ab) : (up ?? ab);
    if (!rateOcc) {
      ctx.error("missing-option", "You have to specify --hashlimit", loc);
      return null;
    }
    if (!mandatory(o, ctx, "hashlimit", "hashlimit-name", loc)) return null;
    const above = (rateOcc.spec.name === "hashlimit-above") !== rateOcc.negated;
    const optName = rateOcc.spec.name;
    let bytes = false;
    let avg = SCALE;
    let mult = 1;
    const rateText = rateOcc.values[0]!;
    const b = parseBytes(rateText);
    if (b === "too high") ctx.error("bad-value", `Rate too high "${rateText}"`, valueLoc(rateOcc));
    else if (b !== undefined) {
      bytes = true;
      avg = b;
      mult = 15;
    } else {
      const r = parseRate(rateText);
      if (r === "too fast") ctx.error("bad-value", `Rate too fast "${rateText}"`, valueLoc(rateOcc));
      else if (!r) ctx.error("bad-value", `hashlimit: Bad value for "--${optName}" option: "${rateText}"`, valueLoc(rateOcc));
      else {
        avg = r.avg;
        mult = r.mult;
      }
    }
    // Burst: strtoul base 0, 1..max, then a k/m multiplier; the 1000000 limit applies to the plain number.
    let burst = DEFAULT_BURST;
    let burstGiven = false;
    const bo = o.get("hashlimit-burst");
    const burstError = () => ctx.error("bad-value", `bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`, valueLoc(bo!));
    if (bo) {
      const t = bo.values[0]!;
      const r = xtStrtoul(t, 1n, U64_MAX, false);
      if (!r || (r.end === t.length && r.value > BigInt(BURST_MAX))) burstError();
      else {
        burst = Number(r.value * BigInt(factor(t[r.end])));
        burstGiven = true;
      }
    }
    let expire: number | undefined;
    const num = (k: string, dflt: number): number => {
      const x = o.get(k);
      if (!x) return dflt;
      const n = xtUint(x.values[0]!, U32_MAX);
      if (n === null) {
        badValue(ctx, "hashlimit", x, 0, U32_MAX);
        return dflt;
      }
      return n;
    };
    const size = num("hashlimit-htable-size", 0);
    const max = num("hashlimit-htable-max", 0);
    const gcInterval = num("hashlimit-htable-gcinterval", DEFAULT_GC);
    if (o.has("hashlimit-htable-expire")) expire = num("hashlimit-htable-expire", mult * 1000);
    for (const [k, v] of [["hashlimit-htable-gcinterval", gcInterval], ["hashlimit-htable-expire", expire]] as const)
      if (v === 0) ctx.error("bad-value", `hashlimit: --${k} 0 is refused by the kernel (Invalid argument)`, valueLoc(o.get(k)!));
    expire ??= mult * 1000;
    if (bytes) {
      if (burstGiven) {
        const unit = costToBytes(avg);
        if (burst < unit) ctx.error("bad-value", `burst cannot be smaller than ${unit}b`, valueLoc(bo!));
        burst = unit > 0 ? Math.ceil(burst / unit) : 0;
        if (!o.has("hashlimit-htable-expire")) expire = 60000;
      } else burst = 0;
    } else if (burst > BURST_MAX) burstError();
    // Mode.
    const set = new Set<HashlimitMode>();
    const mo = o.get("hashlimit-mode");
    if (mo) {
      for (const tok of mo.values[0]!.split(/[,|]/)) {
        if (tok === "") continue;
        const m = MODES.find((x) => x === tok);
        if (!m) {
          ctx.error("bad-value", `hashlimit: Bad value for "--hashlimit-mode" option: "${mo.values[0]}"`, valueLoc(mo));
          break;
        }
        set.add(m);
      }
    }
    const full = ctx.family === 4 ? 32 : 128;
    const sm = o.get("hashlimit-srcmask");
    const dm = o.get("hashlimit-dstmask");
    const srcmask = (sm && decodeMask(sm, ctx)) ?? full;
    const dstmask = (dm && decodeMask(dm, ctx)) ?? full;
    // Name.
    const no = o.get("hashlimit-name")!;
    let name = no.values[0]!;
    if (name === "") ctx.error("bad-value", "Argument must have a minimum length of 1 characters", valueLoc(no));
    if (/[\s"'\\]/.test(name))
      ctx.warn("unquoted-name", "hashlimit: iptables-save prints --hashlimit-name unquoted, so this name does not survive a save and restore", valueLoc(no));
    if (name.length > MAX_HASHLIMIT_NAME) {
      ctx.warn("value-truncated", `hashlimit: --hashlimit-name is longer than ${MAX_HASHLIMIT_NAME} characters; iptables keeps the first ${MAX_HASHLIMIT_NAME}`, valueLoc(no));
      name = name.slice(0, MAX_HASHLIMIT_NAME);
    }
    // Rate match.
    const rateMatch = o.has("hashlimit-rate-match");
    let interval = 0;
    const io = o.get("hashlimit-rate-interval");
    if (io) {
      const n = Number(atoll(io.values[0]!) & 0xffffffffn) | 0;
      if (n <= 0) ctx.error("bad-value", `hashlimit: Bad value for "--hashlimit-rate-interval" option: "${io.values[0]}"`, valueLoc(io));
      else interval = n;
    }
    if (rateMatch) {
      if (!bytes) avg = Math.floor(avg / mult);
      if (interval === 0) interval = bytes ? 1 : mult;
    }
    if (!bytes && !rateMatch) {
      const credits = (u: bigint) => (u * CREDITS_FACTOR) & U64_MAX;
      const a = BigInt(avg);
      if (credits((a * BigInt(burst)) & U64_MAX) < credits(a))
        ctx.error("bad-value", `hashlimit: rate ${formatRate(avg).text} with burst ${burst} overflows the kernel's credit arithmetic (it refuses it: Numerical result out of range)`, valueLoc(rateOcc));
    }
    return {
      kind: "match", module: "hashlimit", loc, above, bytes, avg, burst, mode: MODES.filter((m) => set.has(m)), name,
      size, max, gcInterval, expire, srcmask, dstmask, rateMatch, interval,
    };
  },
  print(m, family) {
    const full = family === 4 ? 32 : 128;
    let rate: string;
    let burst: string | undefined;
    let quantum: number;
    if (m.bytes) {
      const f = formatBytes(m.avg, m.burst);
      rate = f.rate;
      burst = f.burst;
      quantum = f.quantum;
    } else {
      const f = formatRate(m.avg);
      rate = f.text;
      burst = String(m.burst);
      quantum = f.quantum;
    }
    return words(
      `--hashlimit-${m.above ? "above" : "upto"} ${rate}`,
      burst !== undefined && `--hashlimit-burst ${burst}`,
      m.mode.length > 0 && `--hashlimit-mode ${m.mode.join(",")}`,
      `--hashlimit-name ${m.name}`,
      m.size !== 0 && `--hashlimit-htable-size ${m.size}`,
      m.max !== 0 && `--hashlimit-htable-max ${m.max}`,
      m.gcInterval !== DEFAULT_GC && `--hashlimit-htable-gcinterval ${m.gcInterval}`,
      m.expire !== quantum && `--hashlimit-htable-expire ${m.expire}`,
      m.srcmask !== full && `--hashlimit-srcmask ${m.srcmask}`,
      m.dstmask !== full && `--hashlimit-dstmask ${m.dstmask}`,
      m.rateMatch && "--hashlimit-rate-match",
      m.rateMatch && m.interval !== 1 && `--hashlimit-rate-interval ${m.interval}`,
    );
  },
  evaluate(m) {
    const rate = m.bytes ? formatBytes(m.avg, m.burst).rate : formatRate(m.avg).text;
    const per = m.mode.length ? `per ${m.mode.join(",")}` : "for all packets together";
    const key = `hashlimit:${m.name} ${m.above ? "above" : "upto"} ${rate}`;
    return unknown(
      key,
      m.above
        ? `the rate in hashlimit ${m.name} (${per}) is above ${rate}`
        : `the rate in hashlimit ${m.name} (${per}) is within ${rate}${m.bytes ? "" : ` (burst ${m.burst})`}`,
    );
  },
});
