/**
 * `-j REDIRECT` (iptables-extensions(8), "REDIRECT"): `--to-ports port[-port]`, `--random`. Only in the
 * nat table, from PREROUTING and OUTPUT: DNAT to the primary address of the incoming interface
 * (127.0.0.1 / ::1 for locally generated packets).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `[--to-ports P] [--random]`; `--to-port` is read as `--to-ports`; no `--random-fully`;
 * - `--to-ports` needs `-p tcp|udp|sctp|dccp` ("Need TCP, UDP, SCTP or DCCP with port specification");
 *   `8080-8090/9000` → "Shifted portmap ranges not supported with this kernel"; `--to-ports 0` is kept;
 * - placement: other tables refused; INPUT/POSTROUTING (directly or through a user chain): "REDIRECT
 *   target: used from hooks INPUT, but only usable from PREROUTING/OUTPUT" (kernel log).
 */
import type { TargetBase } from "../../model/ast.js";
import type { IpAddr } from "../../net/addr.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { decodeToPorts, formatPorts, natRewrite, type NatRange } from "./nat-range.js";

export interface RedirectTarget extends TargetBase {
  readonly name: "REDIRECT";
  /** `--to-ports` (only minPort/maxPort are set). */
  readonly ports?: NatRange;
  readonly random: boolean;
}

const LOOPBACK4: IpAddr = { family: 4, value: 0x7f000001n };
const LOOPBACK6: IpAddr = { family: 6, value: 1n };

export const REDIRECT = defineTarget<RedirectTarget>({
  name: "REDIRECT",
  tables: ["nat"],
  hooks: ["PREROUTING", "OUTPUT"],
  options: [
    { name: "to-ports", aliases: ["to-port"], args: 1 },
    { name: "random", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "REDIRECT");
    const tp = o.get("to-ports");
    const ports = tp ? decodeToPorts(tp, ctx, "REDIRECT", "refuse") : undefined;
    return { kind: "target", name: "REDIRECT", loc, ...(ports ? { ports } : {}), random: o.has("random") };
  },
  print(t) {
    return words(t.ports && `--to-ports ${formatPorts(t.ports)}`, t.random && "--random");
  },
  /**
   * Deviation: when the node does not know the input interface's address the destination is left as it
   * is; the kernel drops the packet when the interface really has no address.
   */
  evaluate(t, pkt, env) {
    const local = env.hook === "OUTPUT";
    const addr = local ? (pkt.family === 4 ? LOOPBACK4 : LOOPBACK6) : env.primaryAddress(pkt.family, pkt.inIface);
    const range: NatRange = { ...(addr ? { minAddr: addr, maxAddr: addr } : {}), ...(t.ports ?? {}) };
    const packet = natRewrite(pkt, range, "dst");
    const where = local ? "the loopback address" : `the address of ${pkt.inIface ?? "the input interface"}${addr ? "" : " (unknown)"}`;
    return { kind: "nat", nat: "REDIRECT", packet, detail: `to ${where}${t.ports ? ` port ${formatPorts(t.ports)}` : ""}` };
  },
});
