/**
 * `-j MASQUERADE` (iptables-extensions(8), "MASQUERADE"): `--to-ports port[-port]`, `--random`,
 * `--random-fully`. Only in the nat table, from POSTROUTING. SNAT to the address of the outgoing
 * interface; the connection is forgotten when the interface goes down.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `[--to-ports P] [--random] [--random-fully]`; `1000-1000` → `1000`, ports in any strtoul
 *   base or a service name (`http` → `80`); `--to-port` is read as `--to-ports`;
 * - `--to-ports` needs `-p tcp|udp|sctp|dccp` (`! -p tcp` and `-p icmp` pass, udplite does not):
 *   "Need TCP, UDP, SCTP or DCCP with port specification"; `1000:2000` → "Invalid port:port syntax -
 *   use dash"; `5-6/7` is accepted and printed `5-6/0`; no `--persistent`;
 * - placement: other tables: "MASQUERADE target: only valid in nat table, not mangle"; other chains
 *   (directly or through a user chain): "MASQUERADE target: used from hooks PREROUTING, but only usable
 *   from POSTROUTING" (kernel log).
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { decodeToPorts, formatPorts, natRewrite, type NatRange } from "./nat-range.js";

export interface MasqueradeTarget extends TargetBase {
  readonly name: "MASQUERADE";
  /** `--to-ports` (only minPort/maxPort/basePort are set). */
  readonly ports?: NatRange;
  readonly random: boolean;
  readonly randomFully: boolean;
}

export const MASQUERADE = defineTarget<MasqueradeTarget>({
  name: "MASQUERADE",
  tables: ["nat"],
  hooks: ["POSTROUTING"],
  options: [
    { name: "to-ports", aliases: ["to-port"], args: 1 },
    { name: "random", args: 0 },
    { name: "random-fully", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "MASQUERADE");
    const tp = o.get("to-ports");
    const ports = tp ? decodeToPorts(tp, ctx, "MASQUERADE", "zero") : undefined;
    if (ports?.basePort !== undefined)
      ctx.warn("nat-base-ignored", "MASQUERADE: a /base after the port range is ignored; iptables-save prints /0", tp!.valueLocs[0] ?? tp!.loc);
    return {
      kind: "target",
      name: "MASQUERADE",
      loc,
      ...(ports ? { ports } : {}),
      random: o.has("random"),
      randomFully: o.has("random-fully"),
    };
  },
  print(t) {
    return words(t.ports && `--to-ports ${formatPorts(t.ports)}`, t.random && "--random", t.randomFully && "--random-fully");
  },
  /**
   * Deviation: when the node does not know the interface's address (`primaryAddress` undefined) the
   * source is left as it is; the kernel drops the packet when the interface really has no address.
   */
  evaluate(t, pkt, env) {
    const addr = env.primaryAddress(pkt.family, pkt.outIface);
    const range: NatRange = { ...(addr ? { minAddr: addr, maxAddr: addr } : {}), ...(t.ports ?? {}) };
    const packet = natRewrite(pkt, range, "src");
    const ports = t.ports ? ` ports ${formatPorts(t.ports)}` : "";
    return {
      kind: "nat",
      nat: "MASQUERADE",
      packet,
      detail: `to the address of ${pkt.outIface ?? "the output interface"}${addr ? "" : " (unknown)"}${ports}`,
    };
  },
});
