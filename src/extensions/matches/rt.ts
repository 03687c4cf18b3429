/**
 * `-m rt` (iptables-extensions(8), "rt"; IPv6 only): `[!] --rt-type type`, `[!] --rt-segsleft num[:num]`,
 * `[!] --rt-len length`, `--rt-0-res`, `--rt-0-addrs addr[,addr…]`, `--rt-0-not-strict`: tests on the
 * Routing extension header.
 *
 * Observed with ip6tables 1.8.9 (nf_tables) ip6tables-save:
 * - order `--rt-type`, `--rt-segsleft`, `--rt-len`, `--rt-0-res`, `--rt-0-addrs`, `--rt-0-not-strict`;
 * - `--rt-type` and `--rt-len` are 32-bit numbers (base 0) printed as given (`--rt-type 256` is kept);
 * - `--rt-segsleft` prints like an SPI range (`3:3` → `3`, `5:` → `5:4294967295`, `5:3` kept); the full
 *   range is not printed, even negated;
 * - `--rt-0-res` and `--rt-0-addrs` need a preceding `--rt-type 0` (not negated), `--rt-0-not-strict` a
 *   preceding `--rt-0-addrs`; addresses are IPv6 literals only, at most 16, printed compressed
 *   (`2001:DB8:0:0::1` → `2001:db8::1`).
 *
 * Evaluation: the packet model does not record extension headers: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { formatAddr, parseAddr, type IpAddr } from "../../net/addr.js";
import { defineMatch } from "../types.js";
import { words } from "../util.js";
import { badValue, collect, U32_MAX, unknown, valueLoc, xtUint } from "./common.js";
import { decodeSpi, printSpi, type SpiCond } from "./esp.js";

export interface RtMatch extends MatchBase {
  readonly module: "rt";
  readonly type?: { readonly negated: boolean; readonly value: number };
  readonly segsleft?: SpiCond;
  readonly len?: { readonly negated: boolean; readonly value: number };
  readonly res: boolean;
  readonly addrs?: readonly IpAddr[];
  readonly notStrict: boolean;
}

/** IP6T_RT_HOPS. */
export const MAX_RT_ADDRS = 16;

export const rt = defineMatch<RtMatch>({
  name: "rt",
  families: [6],
  options: [
    { name: "rt-type", args: 1, negatable: true },
    { name: "rt-segsleft", args: 1, negatable: true },
    { name: "rt-len", args: 1, negatable: true },
    { name: "rt-0-res", args: 0 },
    { name: "rt-0-addrs", args: 1 },
    { name: "rt-0-not-strict", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "rt");
    const node: { -readonly [K in keyof RtMatch]: RtMatch[K] } = { kind: "match", module: "rt", loc, res: false, notStrict: false };
    const num = (k: "rt-type" | "rt-len") => {
      const x = o.get(k);
      if (!x) return undefined;
      const n = xtUint(x.values[0]!, U32_MAX);
      if (n === null) {
        badValue(ctx, "rt", x, 0, U32_MAX);
        return undefined;
      }
      return { negated: x.negated, value: n };
    };
    node.type = num("rt-type");
    node.len = num("rt-len");
    const s = o.get("rt-segsleft");
    if (s) node.segsleft = decodeSpi(s, ctx, "rt");
    const t = o.get("rt-type");
    const type0Before = (x: { loc: { offset: number } }) => !!t && !t.negated && node.type?.value === 0 && t.loc.offset < x.loc.offset;
    const res = o.get("rt-0-res");
    if (res) {
      if (!type0Before(res)) ctx.error("missing-option", "`--rt-type 0' required before `--rt-0-res'", res.loc);
      node.res = true;
    }
    const a = o.get("rt-0-addrs");
    if (a) {
      if (!type0Before(a)) ctx.error("missing-option", "`--rt-type 0' required before `--rt-0-addrs'", a.loc);
      const list: IpAddr[] = [];
      const items = a.values[0]!.split(",");
      for (const item of items.slice(0, MAX_RT_ADDRS)) {
        const ad = parseAddr(item, 6);
        if (!ad) {
          ctx.error("bad-value", `bad address: ${item}`, valueLoc(a));
          break;
        }
        list.push(ad);
      }
      if (items.length > MAX_RT_ADDRS) ctx.error("bad-value", "too many addresses specified", valueLoc(a));
      node.addrs = list;
    }
    const ns = o.get("rt-0-not-strict");
    if (ns) {
      if (!a || a.loc.offset > ns.loc.offset) ctx.error("missing-option", "`--rt-0-addr ...' required before `--rt-0-not-strict'", ns.loc);
      node.notStrict = true;
    }
    return node;
  },
  print(m) {
    return printRt(m);
  },
  evaluate(m, pkt) {
    if (pkt.family !== 6) return false;
    const text = printRt(m);
    return unknown(`rt:${text || "present"}`, `the packet carries an IPv6 Routing header${text ? ` matching ${text}` : ""}`);
  },
});

function printRt(m: RtMatch): string {
  return words(
    m.type && `${m.type.negated ? "! " : ""}--rt-type ${m.type.value}`,
    printSpi("rt-segsleft", m.segsleft),
    m.len && `${m.len.negated ? "! " : ""}--rt-len ${m.len.value}`,
    m.res && "--rt-0-res",
    m.addrs && `--rt-0-addrs ${m.addrs.map(formatAddr).join(",")}`,
    m.notStrict && "--rt-0-not-strict",
  );
}
