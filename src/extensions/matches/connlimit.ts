/**
 * `-m connlimit` (iptables-extensions(8), "connlimit"): `--connlimit-upto N`, `--connlimit-above N`,
 * `--connlimit-mask PREFIX`, `--connlimit-saddr`, `--connlimit-daddr`. Revision 1.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - always printed in full: `--connlimit-upto|--connlimit-above N --connlimit-mask LEN
 *   --connlimit-saddr|--connlimit-daddr` (defaults: mask 32 / 128, saddr);
 * - `! --connlimit-upto N` prints `--connlimit-above N` and `! --connlimit-above N` prints
 *   `--connlimit-upto N` (one flag in the kernel);
 * - N is strtoul base 0 (`0x10` → 16, `010` → 8), 0-4294967295;
 * - the mask is a prefix length (base 0) or a dotted mask (`255.255.0.0` → 16). For IPv4 any number is
 *   accepted and values above 32 print as 32; a non-contiguous dotted mask prints as 32; IPv6 takes
 *   0-128 (`ffff:ffff::` → 32) and refuses dotted IPv4 masks;
 * - upto with above, and saddr with daddr, are refused; one of upto/above is required.
 *
 * Evaluation: the connection count is state the dump does not hold: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { maskToPrefix, parseAddr, type Family } from "../../net/addr.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { badValue, collect, exclusive, U32_MAX, unknown, valueLoc, xtStrtoul, xtUint } from "./common.js";

export interface ConnlimitMatch extends MatchBase {
  readonly module: "connlimit";
  /** true: `--connlimit-above` (more than `limit` connections); false: `--connlimit-upto`. */
  readonly above: boolean;
  readonly limit: number;
  /** Prefix length that groups addresses, as printed. */
  readonly mask: number;
  readonly daddr: boolean;
}

/**
 * XTTYPE_PLENMASK as libxtables 1.8.9 reads it for connlimit/hashlimit: a number (strtoul base 0) or an
 * address mask of the family. Returns the printed prefix length, or null when refused. `onOdd` reports
 * values iptables accepts but that do not mean what they say.
 */
export function parsePlenMask(
  text: string,
  family: Family,
  onOdd: (message: string) => void,
): number | null {
  const full = family === 4 ? 32 : 128;
  const n = xtStrtoul(text, 0n, family === 4 ? BigInt(U32_MAX) : 128n);
  if (n) {
    const v = Number(n.value);
    if (v > full) onOdd(`a mask of ${v} bits is more than IPv4 has; it acts and prints as 32`);
    return Math.min(v, full);
  }
  const a = family === 4 ? parseInetAton(text) : (parseAddr(text, 6)?.value ?? null);
  if (a === null) return null;
  const len = maskToPrefix(family, a);
  if (len === null) {
    onOdd(`the non-contiguous mask ${text} is not kept by iptables-save (it prints ${full})`);
    return full;
  }
  return len;
}

/** inet_aton's forms (`a.b.c.d`, `a.b.c`, `a.b`, `a`, each part base 0), as the IPv4 mask parser reads them. */
function parseInetAton(text: string): bigint | null {
  if (!/^[0-9a-fA-FxX.]+$/.test(text)) return null;
  const parts = text.split(".");
  if (parts.length > 4 || parts.some((p) => p === "")) return null;
  const nums: bigint[] = [];
  for (const p of parts) {
    const r = xtStrtoul(p, 0n, BigInt(U32_MAX));
    if (!r) return null;
    nums.push(r.value);
  }
  const last = nums.pop()!;
  const lastBits = BigInt(8 * (4 - nums.length));
  if (nums.some((x) => x > 255n) || last >= 1n << lastBits) return null;
  let v = 0n;
  for (const x of nums) v = (v << 8n) | x;
  return (v << lastBits) | last;
}

function decodeMask(o: OptionOccurrence, ctx: DecodeContext, module: string): number | null {
  const full = ctx.family === 4 ? 32 : 128;
  const len = parsePlenMask(o.values[0]!, ctx.family, (msg) => ctx.warn("mask-dropped", `${module}: ${msg}`, valueLoc(o)));
  if (len === null)
    ctx.error("bad-value", `${module}: bad value for option "--${o.spec.name}", neither a valid network mask nor valid CIDR (0-${full}).`, valueLoc(o));
  return len;
}

export const connlimit = defineMatch<ConnlimitMatch>({
  name: "connlimit",
  options: [
    { name: "connlimit-upto", args: 1, negatable: true },
    { name: "connlimit-above", args: 1, negatable: true },
    { name: "connlimit-mask", args: 1 },
    { name: "connlimit-saddr", args: 0 },
    { name: "connlimit-daddr", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "connlimit");
    exclusive(o, ctx, "connlimit", "connlimit-upto", "connlimit-above");
    exclusive(o, ctx, "connlimit", "connlimit-saddr", "connlimit-daddr");
    const up = o.get("connlimit-upto");
    const ab = o.get("connlimit-above");
    const occ = up && ab ? (up.loc.offset < ab.loc.offset ? up : ab) : (up ?? ab);
    if (!occ) {
      ctx.error("missing-option", 'You must specify "--connlimit-above" or "--connlimit-upto".', loc);
      return null;
    }
    let limit = xtUint(occ.values[0]!, U32_MAX);
    if (limit === null) {
      badValue(ctx, "connlimit", occ, 0, U32_MAX);
      limit = 0;
    }
    const above = (occ.spec.name === "connlimit-above") !== occ.negated;
    const m = o.get("connlimit-mask");
    const mask = (m && decodeMask(m, ctx, "connlimit")) ?? (ctx.family === 4 ? 32 : 128);
    return { kind: "match", module: "connlimit", loc, above, limit, mask, daddr: o.has("connlimit-daddr") && !o.has("connlimit-saddr") };
  },
  print(m) {
    return `--connlimit-${m.above ? "above" : "upto"} ${m.limit} --connlimit-mask ${m.mask} --connlimit-${m.daddr ? "daddr" : "saddr"}`;
  },
  evaluate(m) {
    const side = m.daddr ? "destination" : "source";
    const key = `connlimit:${m.above ? "above" : "upto"} ${m.limit}/${m.mask} ${m.daddr ? "daddr" : "saddr"}`;
    return unknown(
      key,
      `the ${side} /${m.mask} network has ${m.above ? `more than ${m.limit}` : `at most ${m.limit}`} connections`,
    );
  },
});
