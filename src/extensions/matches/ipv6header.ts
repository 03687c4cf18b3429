/**
 * `-m ipv6header` (iptables-extensions(8), "ipv6header"; IPv6 only): `[!] --header LIST`, `--soft`.
 * Without `--soft` the packet's extension headers must be exactly the listed set; with it, it must
 * contain them.
 *
 * Observed with ip6tables 1.8.9 (nf_tables) ip6tables-save:
 * - the list prints in the fixed order hop-by-hop, ipv6-opts, ipv6-route, ipv6-frag, ah, esp,
 *   ipv6-nonxt, protocol (the /etc/protocols names, `protocol` for 255), duplicates merged:
 *   `frag,hop-by-hop` → `hop-by-hop,ipv6-frag`;
 * - accepted words: /etc/protocols names and aliases, case-sensitive (`ipv6-frag`, `IPv6-Frag`, `ip` and
 *   `hopopt` for 0, `IPSEC-ESP`), libxt's short names (`hop`, `dst`, `route`, `frag`, `auth`, `esp`,
 *   `none`, `prot`, `protocol`, `hop-by-hop`) and exactly the numbers 0, 60, 43, 44, 51, 50, 59, 255
 *   (`043`, `0x2c` are refused); a protocol that is not one of these headers is refused with its number
 *   (`tcp` → "unknown header `6' specified");
 * - empty items are skipped (`frag,,hop`, `,frag`); a list with no item is refused;
 * - `! --header …` and `--soft` print after it; `--header` is mandatory.
 *
 * Evaluation: the packet model does not record extension headers: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg, words } from "../util.js";
import { collect, etcProtocol, mandatory, unknown, valueLoc } from "./common.js";

export type Ipv6HeaderName = "hop-by-hop" | "ipv6-opts" | "ipv6-route" | "ipv6-frag" | "ah" | "esp" | "ipv6-nonxt" | "protocol";

export interface Ipv6headerMatch extends MatchBase {
  readonly module: "ipv6header";
  readonly negated: boolean;
  /** In print order, no duplicates. */
  readonly headers: readonly Ipv6HeaderName[];
  readonly soft: boolean;
}

/** Print order (chain_flags) with the protocol numbers. */
const HEADERS: readonly { readonly name: Ipv6HeaderName; readonly proto: number }[] = [
  { name: "hop-by-hop", proto: 0 },
  { name: "ipv6-opts", proto: 60 },
  { name: "ipv6-route", proto: 43 },
  { name: "ipv6-frag", proto: 44 },
  { name: "ah", proto: 51 },
  { name: "esp", proto: 50 },
  { name: "ipv6-nonxt", proto: 59 },
  { name: "protocol", proto: 255 },
];

/** libip6t_ipv6header's own names (used when getprotobyname does not know the word). */
const CHAIN_PROTOS: Readonly<Record<string, number>> = {
  "hop-by-hop": 0, protocol: 255, hop: 0, dst: 60, route: 43, frag: 44, auth: 51, esp: 50, none: 59, prot: 255,
  "0": 0, "60": 60, "43": 43, "44": 44, "51": 51, "50": 50, "59": 59, "255": 255,
};

export const ipv6header = defineMatch<Ipv6headerMatch>({
  name: "ipv6header",
  families: [6],
  options: [
    { name: "header", args: 1, negatable: true },
    { name: "soft", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "ipv6header");
    if (!mandatory(o, ctx, "ipv6header", "header", loc)) return null;
    const h = o.get("header")!;
    const set = new Set<Ipv6HeaderName>();
    for (const word of h.values[0]!.split(",")) {
      if (word === "") continue;
      const proto = etcProtocol(word) ?? CHAIN_PROTOS[word];
      if (proto === undefined) {
        ctx.error("bad-value", `unknown header \`${word}' specified`, valueLoc(h));
        return null;
      }
      const hd = HEADERS.find((x) => x.proto === proto);
      if (!hd) {
        ctx.error("bad-value", `unknown header \`${proto}' specified`, valueLoc(h));
        return null;
      }
      set.add(hd.name);
    }
    if (set.size === 0) {
      ctx.error("bad-value", "ip6t_ipv6header: cannot parse header names", valueLoc(h));
      return null;
    }
    return {
      kind: "match",
      module: "ipv6header",
      loc,
      negated: h.negated,
      headers: HEADERS.filter((x) => set.has(x.name)).map((x) => x.name),
      soft: o.has("soft"),
    };
  },
  print(m) {
    return words(`${neg(m.negated)}--header ${m.headers.join(",")}`, m.soft && "--soft");
  },
  evaluate(m, pkt) {
    if (pkt.family !== 6) return false;
    const list = m.headers.join(",");
    return unknown(
      `ipv6header:${list}${m.soft ? " soft" : ""}`,
      m.soft ? `the packet's IPv6 header chain includes ${list}` : `the packet's IPv6 header chain is exactly ${list}`,
      m.negated,
    );
  },
});
