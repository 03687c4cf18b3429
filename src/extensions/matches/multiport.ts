/**
 * `-m multiport` (iptables-extensions(8), "multiport"), revision 1: `[!] --dports`, `[!] --sports`,
 * `[!] --ports` (aliases `--destination-ports`, `--source-ports`) with a comma list of ports and
 * `port:port` ranges. Needs `-p tcp|udp|udplite|sctp|dccp`.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - always the short names: `--destination-ports` → `--dports`, `--source-ports` → `--sports`;
 * - the list is printed in input order, duplicates kept (`443,80,80`), names become numbers
 *   (`22,http` → `22,80`); `! --dports 80,443`;
 * - at most 15 entries, a range counting two ("too many ports specified");
 * - a range needs low < high (`80:80` and `2000:1000` are refused: "invalid portrange specified");
 *   open ranges (`1000:`, `:1000`) and empty items are refused; `0:65535` is kept;
 * - only one of --sports/--dports/--ports; `-m multiport` alone is refused;
 * - without `-p` (or `-p all`): "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'";
 *   with another or a negated protocol: "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP".
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch } from "../types.js";
import { byName, formatPortRange, neg, parsePort, type PortRange } from "../util.js";
import { and, not, or, range } from "../../space/expr.js";
import { FIRST_FRAGMENT } from "./ports.js";

export type MultiportDirection = "sports" | "dports" | "ports";

export interface MultiportMatch extends MatchBase {
  readonly module: "multiport";
  readonly direction: MultiportDirection;
  readonly negated: boolean;
  /** In input order; a range has lo < hi. */
  readonly ports: readonly PortRange[];
}

/** XT_MULTI_PORTS: slots in the kernel structure (a range takes two). */
export const MAX_MULTIPORT_SLOTS = 15;

const PORT_PROTOS: readonly number[] = [PROTO.tcp, PROTO.udp, PROTO.udplite, PROTO.sctp, PROTO.dccp];

export const multiport = defineMatch<MultiportMatch>({
  name: "multiport",
  options: [
    { name: "sports", aliases: ["source-ports"], args: 1, negatable: true },
    { name: "dports", aliases: ["destination-ports"], args: 1, negatable: true },
    { name: "ports", args: 1, negatable: true },
  ],
  decode(opts, ctx, loc) {
    const p = ctx.protocol;
    if (!p || (p.number === 0 && !p.negated))
      ctx.error("match-needs-protocol", "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'", loc);
    else if (p.negated || !PORT_PROTOS.includes(p.number))
      ctx.error("match-needs-protocol", "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP", loc);
    const o = byName(opts, ctx, "multiport");
    const given = (["sports", "dports", "ports"] as const).filter((d) => o.has(d));
    if (given.length === 0) {
      ctx.error("missing-option", "multiport: one of --sports, --dports or --ports is required", loc);
      return null;
    }
    const inOrder = given.map((d) => o.get(d)!).sort((a, b) => a.loc.offset - b.loc.offset);
    if (inOrder.length > 1)
      ctx.error("conflicting-options", `multiport: ${inOrder[1]!.written} cannot be used together with ${inOrder[0]!.written}`, inOrder[1]!.loc);
    const direction = inOrder[0]!.spec.name as MultiportDirection;
    const occ = o.get(direction)!;
    const vloc = occ.valueLocs[0] ?? occ.loc;
    const ports: PortRange[] = [];
    let slots = 0;
    for (const item of occ.values[0]!.split(",")) {
      const colon = item.indexOf(":");
      const a = colon < 0 ? item : item.slice(0, colon);
      const lo = parsePort(a);
      if (lo === null) {
        ctx.error("bad-port", `multiport: invalid port/service '${a}' specified`, vloc);
        return null;
      }
      if (colon < 0) {
        ports.push({ lo, hi: lo });
        slots += 1;
        continue;
      }
      const b = item.slice(colon + 1);
      const hi = parsePort(b);
      if (hi === null) {
        ctx.error("bad-port", `multiport: invalid port/service '${b}' specified`, vloc);
        return null;
      }
      if (lo >= hi) {
        ctx.error("bad-port", `multiport: invalid portrange '${item}' specified (the first port must be below the second)`, vloc);
        return null;
      }
      ports.push({ lo, hi });
      slots += 2;
    }
    if (slots > MAX_MULTIPORT_SLOTS)
      ctx.error("too-many-ports", `multiport: too many ports (max ${MAX_MULTIPORT_SLOTS}, a range counts as two)`, vloc);
    return { kind: "match", module: "multiport", loc, direction, negated: occ.negated, ports };
  },
  print(m) {
    return `${neg(m.negated)}--${m.direction} ${m.ports.map(formatPortRange).join(",")}`;
  },
  evaluate(m, pkt) {
    if (!PORT_PROTOS.includes(pkt.proto) || pkt.fragment) return false;
    if (pkt.sport === undefined || pkt.dport === undefined) return false;
    const inAny = (port: number) => m.ports.some((r) => port >= r.lo && port <= r.hi);
    const hit =
      m.direction === "sports" ? inAny(pkt.sport) : m.direction === "dports" ? inAny(pkt.dport) : inAny(pkt.sport) || inAny(pkt.dport);
    return hit !== m.negated;
  },
  space(m) {
    const inList = (f: "sport" | "dport") => or(...m.ports.map((r) => range(f, r.lo, r.hi)));
    const hit = m.direction === "sports" ? inList("sport") : m.direction === "dports" ? inList("dport") : or(inList("sport"), inList("dport"));
    return and(or(...PORT_PROTOS.map((p) => range("proto", p))), FIRST_FRAGMENT, not(hit, m.negated));
  },
});
