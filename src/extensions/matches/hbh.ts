/**
 * `-m hbh` (iptables-extensions(8), "hbh"; IPv6 only): `[!] --hbh-len length`,
 * `--hbh-opts TYPE[:LEN][,TYPE[:LEN]…]`, tests on the Hop-by-Hop Options extension header.
 *
 * Observed with ip6tables 1.8.9 (nf_tables) ip6tables-save (the same for `-m dst`, which shares the
 * option list code at the end of this file):
 * - order `[!] --hbh-len N`, `--hbh-opts LIST`; `--hbh-len 0` is printed (it is a flag);
 * - `--hbh-opts TYPE[:LEN],…`: at most 16 items; each number is strtoul base 0 (`0x10` → 16) cut to
 *   8 bits (`256` → 0, `-1` → 255, `1:256` → `1:0`); a length of 255 means "any" and is not printed
 *   (`4:255` → `4`); type 0 (PAD0) may not have a length; `--hbh-opts` cannot be negated.
 *
 * Evaluation: the packet model does not record extension headers: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { words } from "../util.js";
import { badValue, collect, cStrtoul, U32_MAX, unknown, valueLoc, xtUint } from "./common.js";

export interface HbhMatch extends MatchBase {
  readonly module: "hbh";
  readonly len?: { readonly negated: boolean; readonly value: number };
  readonly opts?: readonly Ipv6Opt[];
}

export const hbh = defineMatch<HbhMatch>({
  name: "hbh",
  families: [6],
  options: [
    { name: "hbh-len", args: 1, negatable: true },
    { name: "hbh-opts", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "hbh");
    const node: { -readonly [K in keyof HbhMatch]: HbhMatch[K] } = { kind: "match", module: "hbh", loc };
    const l = o.get("hbh-len");
    if (l) {
      const n = xtUint(l.values[0]!, U32_MAX);
      if (n === null) badValue(ctx, "hbh", l, 0, U32_MAX);
      else node.len = { negated: l.negated, value: n };
    }
    const x = o.get("hbh-opts");
    if (x) node.opts = decodeOpts(x, ctx, "hbh") ?? undefined;
    return node;
  },
  print(m) {
    return words(m.len && `${m.len.negated ? "! " : ""}--hbh-len ${m.len.value}`, m.opts && `--hbh-opts ${formatOpts(m.opts)}`);
  },
  evaluate(m, pkt) {
    if (pkt.family !== 6) return false;
    const cond = [m.len && `${m.len.negated ? "not " : ""}length ${m.len.value}`, m.opts && `options ${formatOpts(m.opts)}`].filter(Boolean).join(", ");
    return unknown(
      `hbh:${cond || "present"}`,
      `the packet carries an IPv6 Hop-by-Hop Options header${cond ? ` with ${cond}` : ""}`,
    );
  },
});

// ---- The option-header list shared with -m dst (struct ip6t_opts) ----------------------------------

/** IP6T_OPTS_OPTSNR. */
export const MAX_OPTS = 16;

export interface Ipv6Opt {
  readonly type: number;
  /** 255 when not given (any length). */
  readonly len: number;
}

/** libip6t_{hbh,dst} parse_opts_num: the number cut to 8 bits, or the error message. */
function optsNum(text: string, what: "opt" | "length", module: string): number | string {
  const r = cStrtoul(text, 0);
  if (r.end === 0) return `${module}: no valid digits in ${what} \`${text}'`;
  if (r.overflow) return `${what} \`${text}' specified too big: would overflow`;
  if (text !== "" && r.end !== text.length) return `${module}: error parsing ${what} \`${text}'`;
  return Number(r.value & 0xffn);
}

/** parse_options: the list, or null after reporting the error. */
export function decodeOpts(o: OptionOccurrence, ctx: DecodeContext, module: "hbh" | "dst"): Ipv6Opt[] | null {
  const items = o.values[0]!.split(",");
  const out: Ipv6Opt[] = [];
  const fail = (msg: string) => {
    ctx.error("bad-value", msg, valueLoc(o));
    return null;
  };
  if (items.length > MAX_OPTS) return fail("too many addresses specified");
  for (const item of items) {
    const colon = item.indexOf(":");
    const t = optsNum(colon < 0 ? item : item.slice(0, colon), "opt", module);
    if (typeof t === "string") return fail(t);
    if (colon < 0) {
      out.push({ type: t, len: 255 });
      continue;
    }
    if (t === 0) return fail(module === "hbh" ? "PAD0 has not got length" : "PAD0 hasn't got length");
    const l = optsNum(item.slice(colon + 1), "length", module);
    if (typeof l === "string") return fail(l);
    out.push({ type: t, len: l });
  }
  return out;
}

export function formatOpts(opts: readonly Ipv6Opt[]): string {
  return opts.map((x) => (x.len === 255 ? String(x.type) : `${x.type}:${x.len}`)).join(",");
}
