/**
 * `-m addrtype` (iptables-extensions(8), "addrtype"): `[!] --src-type TYPES`, `[!] --dst-type TYPES`
 * (comma lists), `--limit-iface-in` | `--limit-iface-out`. kube-proxy's `--dst-type LOCAL` lives here.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - order `--src-type`, `--dst-type`, `--limit-iface-in`/`--limit-iface-out` regardless of input order;
 * - types print upper-case in the kernel's RTN_* order, duplicates merged: `LOCAL,UNICAST` →
 *   `UNICAST,LOCAL`; the full order is UNSPEC,UNICAST,LOCAL,BROADCAST,ANYCAST,MULTICAST,BLACKHOLE,
 *   UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE;
 * - a type is a case-insensitive prefix, the first in that order wins (`loc` → LOCAL, `U` → UNSPEC);
 *   an empty item is refused (`LOCAL,` → bad type "");
 * - `! --src-type` / `! --dst-type`; `--limit-iface-*` cannot be negated nor combined;
 * - the kernel refuses `--limit-iface-out` in PREROUTING/INPUT and `--limit-iface-in` in
 *   OUTPUT/POSTROUTING, and for IPv6 the types BROADCAST, BLACKHOLE, PROHIBIT, THROW, NAT, XRESOLVE.
 */
import { isBuiltinChain, type MatchBase } from "../../model/ast.js";
import { defineMatch, type AddrType, type DecodeContext, type OptionOccurrence } from "../types.js";
import { byName, neg, words } from "../util.js";
import { prefixKeyword } from "./common.js";
import { and, not, oneOf, opaque } from "../../space/expr.js";

export interface AddrTypeCond {
  readonly negated: boolean;
  /** In print order. */
  readonly types: readonly AddrType[];
}

export interface AddrtypeMatch extends MatchBase {
  readonly module: "addrtype";
  readonly src?: AddrTypeCond;
  readonly dst?: AddrTypeCond;
  /** Look the address up only on the packet's input (`in`) or output (`out`) interface. */
  readonly limitIface?: "in" | "out";
}

/** RTN_* order, which is also the print order. */
export const ADDR_TYPES: readonly AddrType[] = [
  "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE",
  "PROHIBIT", "THROW", "NAT", "XRESOLVE",
];

const NOT_IPV6: ReadonlySet<AddrType> = new Set(["BROADCAST", "BLACKHOLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"]);

function decodeTypes(o: OptionOccurrence, ctx: DecodeContext): AddrTypeCond | undefined {
  const text = o.values[0]!;
  const loc = o.valueLocs[0] ?? o.loc;
  const set = new Set<AddrType>();
  for (const item of text.split(",")) {
    const t = prefixKeyword(item, ADDR_TYPES);
    if (!t) {
      ctx.error("bad-value", `addrtype: bad type "${item}"`, loc);
      return undefined;
    }
    if (ctx.family === 6 && NOT_IPV6.has(t)) ctx.error("bad-value", `addrtype: IPv6 does not support ${t} matching (the kernel refuses it)`, loc);
    set.add(t);
  }
  return { negated: o.negated, types: ADDR_TYPES.filter((t) => set.has(t)) };
}

export const addrtype = defineMatch<AddrtypeMatch>({
  name: "addrtype",
  options: [
    { name: "src-type", args: 1, negatable: true },
    { name: "dst-type", args: 1, negatable: true },
    { name: "limit-iface-in", args: 0 },
    { name: "limit-iface-out", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "addrtype");
    const node: { -readonly [K in keyof AddrtypeMatch]: AddrtypeMatch[K] } = { kind: "match", module: "addrtype", loc };
    const src = o.get("src-type");
    const dst = o.get("dst-type");
    if (src) node.src = decodeTypes(src, ctx);
    if (dst) node.dst = decodeTypes(dst, ctx);
    if (!src && !dst) ctx.error("missing-option", "addrtype: you must specify --src-type or --dst-type", loc);
    const lin = o.get("limit-iface-in");
    const lout = o.get("limit-iface-out");
    if (lin && lout) ctx.error("conflicting-options", "addrtype: --limit-iface-in cannot be used together with --limit-iface-out", lout.loc);
    else if (lin) node.limitIface = "in";
    else if (lout) node.limitIface = "out";
    const builtin = isBuiltinChain(ctx.table, ctx.chain);
    if (lin && builtin && (ctx.chain === "OUTPUT" || ctx.chain === "POSTROUTING"))
      ctx.error("bad-hook", `addrtype: --limit-iface-in is not valid in ${ctx.chain} (the kernel refuses it)`, lin.loc);
    if (lout && builtin && (ctx.chain === "PREROUTING" || ctx.chain === "INPUT"))
      ctx.error("bad-hook", `addrtype: --limit-iface-out is not valid in ${ctx.chain} (the kernel refuses it)`, lout.loc);
    return node;
  },
  print(m) {
    return words(
      m.src && `${neg(m.src.negated)}--src-type ${m.src.types.join(",")}`,
      m.dst && `${neg(m.dst.negated)}--dst-type ${m.dst.types.join(",")}`,
      m.limitIface && `--limit-iface-${m.limitIface}`,
    );
  },
  evaluate(m, pkt, env) {
    const iface = m.limitIface === "in" ? pkt.inIface : m.limitIface === "out" ? pkt.outIface : undefined;
    const test = (c: AddrTypeCond, addr: typeof pkt.src): boolean => {
      const have = env.addrTypes(addr, iface);
      return c.types.some((t) => have.has(t)) !== c.negated;
    };
    if (m.src && !test(m.src, pkt.src)) return false;
    if (m.dst && !test(m.dst, pkt.dst)) return false;
    return true;
  },
  space(m) {
    // The routing table answers per interface with --limit-iface-*: the space does not model that.
    if (m.limitIface) return opaque("addrtype --limit-iface");
    const side = (field: "srcType" | "dstType", c: AddrTypeCond | undefined) => (c ? [not(oneOf(field, c.types), c.negated)] : []);
    return and(...side("srcType", m.src), ...side("dstType", m.dst));
  },
});
