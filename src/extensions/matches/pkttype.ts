/**
 * `-m pkttype [!] --pkt-type {unicast|broadcast|multicast|otherhost}` (iptables-extensions(8),
 * "pkttype"): the link-layer packet class.
 *
 * Observed with iptables 1.8.9 iptables-save: names are case-insensitive, printed lower-case; aliases
 * `host` → `unicast`, `bcast` → `broadcast`, `mcast` → `multicast`; prefixes (`uni`), numbers, `outgoing`
 * and `loopback` are refused ("Bad packet type"); the option is mandatory.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";

export type PktType = "unicast" | "broadcast" | "multicast" | "otherhost";

export interface PkttypeMatch extends MatchBase {
  readonly module: "pkttype";
  readonly negated: boolean;
  readonly pktType: PktType;
}

const NAMES: Readonly<Record<string, PktType>> = {
  unicast: "unicast",
  broadcast: "broadcast",
  multicast: "multicast",
  otherhost: "otherhost",
  host: "unicast",
  bcast: "broadcast",
  mcast: "multicast",
};

export const pkttype = defineMatch<PkttypeMatch>({
  name: "pkttype",
  options: [{ name: "pkt-type", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "pkttype").get("pkt-type");
    if (!o) {
      ctx.error("missing-option", "pkttype: option --pkt-type must be specified", loc);
      return null;
    }
    const t = NAMES[o.values[0]!.toLowerCase()];
    if (!t) {
      ctx.error("bad-value", `pkttype: bad packet type '${o.values[0]}' (unicast, broadcast, multicast or otherhost)`, o.valueLocs[0] ?? o.loc);
      return null;
    }
    return { kind: "match", module: "pkttype", loc, negated: o.negated, pktType: t };
  },
  print(m) {
    return `${neg(m.negated)}--pkt-type ${m.pktType}`;
  },
  evaluate(m, pkt, env) {
    // Deviation: the class is derived from the destination address (multicast range, broadcast by the
    // routing table); packets are never taken as promiscuously received (otherhost).
    const d = pkt.dst;
    const multicast = d.family === 4 ? d.value >> 28n === 0xen : d.value >> 120n === 0xffn;
    const broadcast = d.family === 4 && (d.value === 0xffffffffn || env.addrTypes(d).has("BROADCAST"));
    const actual: PktType = multicast ? "multicast" : broadcast ? "broadcast" : "unicast";
    return (actual === m.pktType) !== m.negated;
  },
});
