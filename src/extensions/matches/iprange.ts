/**
 * `-m iprange [!] --src-range FROM[-TO] [!] --dst-range FROM[-TO]` (iptables-extensions(8), "iprange").
 *
 * Observed with iptables 1.8.9 iptables-save: order `--src-range`, `--dst-range`; a single address
 * prints as a range (`10.0.0.1` → `10.0.0.1-10.0.0.1`); an inverted range (`10.0.0.9-10.0.0.5`) is
 * kept as written (it never matches); `10.0.0.01` → `10.0.0.1`; an address of the other family is
 * refused (`iprange: Bad value for "--src-range" option: "::1"`); one of the two options is required.
 */
import type { MatchBase } from "../../model/ast.js";
import { formatAddr, parseAddr, type IpAddr } from "../../net/addr.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { byName, neg, words } from "../util.js";
import { and, not, range } from "../../space/expr.js";

export interface IpRangeCond {
  readonly negated: boolean;
  readonly from: IpAddr;
  readonly to: IpAddr;
}

export interface IprangeMatch extends MatchBase {
  readonly module: "iprange";
  readonly src?: IpRangeCond;
  readonly dst?: IpRangeCond;
}

/** Like inet_pton, but IPv4 parts may carry leading zeros (`10.0.0.01`), as iptables accepts. */
function parseLooseAddr(text: string, family: 4 | 6): IpAddr | null {
  if (family === 4 && /^\d+(\.\d+){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    if (parts.some((p) => p > 255)) return null;
    return parseAddr(parts.join("."), 4);
  }
  return parseAddr(text, family);
}

function decodeRange(o: OptionOccurrence, ctx: DecodeContext): IpRangeCond | undefined {
  const text = o.values[0]!;
  const dash = text.indexOf("-");
  const a = dash < 0 ? text : text.slice(0, dash);
  const b = dash < 0 ? text : text.slice(dash + 1);
  const from = parseLooseAddr(a, ctx.family);
  const to = parseLooseAddr(b, ctx.family);
  if (!from || !to) {
    ctx.error("bad-value", `iprange: bad value for "${o.written}" option: "${!from ? a : b}" (not an IPv${ctx.family} address)`, o.valueLocs[0] ?? o.loc);
    return undefined;
  }
  return { negated: o.negated, from, to };
}

const fmt = (c: IpRangeCond) => `${formatAddr(c.from)}-${formatAddr(c.to)}`;

export const iprange = defineMatch<IprangeMatch>({
  name: "iprange",
  options: [
    { name: "src-range", args: 1, negatable: true },
    { name: "dst-range", args: 1, negatable: true },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "iprange");
    const node: { -readonly [K in keyof IprangeMatch]: IprangeMatch[K] } = { kind: "match", module: "iprange", loc };
    const s = o.get("src-range");
    const d = o.get("dst-range");
    if (!s && !d) ctx.error("missing-option", "iprange match: you must specify --src-range or --dst-range", loc);
    if (s) node.src = decodeRange(s, ctx);
    if (d) node.dst = decodeRange(d, ctx);
    return node;
  },
  print(m) {
    return words(m.src && `${neg(m.src.negated)}--src-range ${fmt(m.src)}`, m.dst && `${neg(m.dst.negated)}--dst-range ${fmt(m.dst)}`);
  },
  evaluate(m, pkt) {
    const inRange = (c: IpRangeCond, a: IpAddr) => (a.family === c.from.family && a.value >= c.from.value && a.value <= c.to.value) !== c.negated;
    if (m.src && !inRange(m.src, pkt.src)) return false;
    if (m.dst && !inRange(m.dst, pkt.dst)) return false;
    return true;
  },
  space(m) {
    const side = (field: "src" | "dst", c: IpRangeCond | undefined) => (c ? [not(range(field, c.from.value, c.to.value), c.negated)] : []);
    return and(...side("src", m.src), ...side("dst", m.dst));
  },
});
