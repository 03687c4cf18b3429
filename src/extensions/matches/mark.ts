/**
 * `-m mark [!] --mark value[/mask]` (iptables-extensions(8), "mark"): skb->mark, compared as
 * `(mark & mask) == value`. kube-proxy tests its 0x4000 masquerade bit with it.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - always hexadecimal, lower-case, `0x` prefixed: `16384/16384` → `0x4000/0x4000`, `1` → `0x1`,
 *   `010` (octal) → `0x8`, `0xFF/0XF0` → `0xff/0xf0`, `0` → `0x0`, `0/0` → `0x0/0x0`;
 * - a mask of 0xffffffff is omitted (`0x1/0xffffffff` → `0x1`);
 * - the value is not masked (`0x10/0xf` stays `0x10/0xf` and can never match);
 * - `! --mark`; values above 0xffffffff, `-1`, `1/`, `/1` are refused.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { byName, hex, neg, type MarkValue } from "../util.js";
import { parseCUint } from "./common.js";
import { masked, not } from "../../space/expr.js";

export interface MarkCond extends MarkValue {
  readonly negated: boolean;
}

export interface MarkMatch extends MatchBase {
  readonly module: "mark";
  readonly negated: boolean;
  readonly value: number;
  readonly mask: number;
}

/** `value[/mask]` as XTTYPE_MARKMASK32 reads it (strtoul base 0 for both parts). */
export function parseMarkMask(text: string): MarkValue | null {
  const slash = text.indexOf("/");
  const value = parseCUint(slash < 0 ? text : text.slice(0, slash));
  const mask = slash < 0 ? 0xffffffff : parseCUint(text.slice(slash + 1));
  if (value === null || mask === null) return null;
  return { value, mask };
}

/** `0xV` or `0xV/0xM` (the mask only when it is not 0xffffffff). */
export function formatMarkMask(m: MarkValue): string {
  return m.mask === 0xffffffff ? hex(m.value) : `${hex(m.value)}/${hex(m.mask)}`;
}

/** Decode the one `--mark` option of mark/connmark. */
export function decodeMarkOption(module: string, opts: readonly OptionOccurrence[], ctx: DecodeContext, loc: MatchBase["loc"]): MarkCond | null {
  const o = byName(opts, ctx, module).get("mark");
  if (!o) {
    ctx.error("missing-option", `${module}: option --mark must be specified`, loc);
    return null;
  }
  const v = parseMarkMask(o.values[0]!);
  if (!v) {
    ctx.error("bad-value", `${module}: bad value for option --mark: '${o.values[0]}' (expected value[/mask], at most 0xffffffff)`, o.valueLocs[0] ?? o.loc);
    return null;
  }
  return { negated: o.negated, ...v };
}

export const mark = defineMatch<MarkMatch>({
  name: "mark",
  options: [{ name: "mark", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const c = decodeMarkOption("mark", opts, ctx, loc);
    return c && { kind: "match", module: "mark", loc, ...c };
  },
  print(m) {
    return `${neg(m.negated)}--mark ${formatMarkMask(m)}`;
  },
  evaluate(m, pkt) {
    return ((pkt.mark & m.mask) >>> 0 === m.value) !== m.negated;
  },
  space(m) {
    return not(masked("mark", m.value, m.mask), m.negated);
  },
});
