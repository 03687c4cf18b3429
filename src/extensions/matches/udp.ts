/**
 * `-m udp` (iptables-extensions(8), "udp"): `--sport`, `--dport`. Loaded implicitly by `-p udp --dport`.
 * The kernel refuses it unless the rule has `-p udp`.
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch } from "../types.js";
import { byName, words } from "../util.js";
import { decodePortOption, inPortRange, printPortOption, requireProtocol, type PortCond } from "./ports.js";
import { transportSpace } from "./ports.js";

export interface UdpMatch extends MatchBase {
  readonly module: "udp";
  readonly sport?: PortCond;
  readonly dport?: PortCond;
}

export const udp = defineMatch<UdpMatch>({
  name: "udp",
  options: [
    { name: "sport", aliases: ["source-port"], args: 1, negatable: true },
    { name: "dport", aliases: ["destination-port"], args: 1, negatable: true },
  ],
  decode(opts, ctx, loc, implicit) {
    requireProtocol(ctx, "udp", PROTO.udp, loc);
    const o = byName(opts, ctx, "udp");
    const s = o.get("sport");
    const d = o.get("dport");
    const sport = s && decodePortOption(s, ctx, "udp");
    const dport = d && decodePortOption(d, ctx, "udp");
    return {
      kind: "match",
      module: "udp",
      loc,
      ...(implicit ? { implicit } : {}),
      ...(sport ? { sport } : {}),
      ...(dport ? { dport } : {}),
    };
  },
  print(m) {
    return words(printPortOption("sport", m.sport), printPortOption("dport", m.dport));
  },
  evaluate(m, pkt) {
    if (pkt.proto !== PROTO.udp || pkt.fragment) return false;
    if (m.sport && !inPortRange(m.sport, pkt.sport)) return false;
    if (m.dport && !inPortRange(m.dport, pkt.dport)) return false;
    return true;
  },
  space(m) {
    return transportSpace(PROTO.udp, m.sport, m.dport);
  },
});
