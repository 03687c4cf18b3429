/**
 * `-j TPROXY` (iptables-extensions(8), "TPROXY"): `--on-port port`, `--on-ip address`, `--tproxy-mark
 * value[/mask]`. Delivers the packet to a local transparent socket without changing it (mangle
 * PREROUTING, with a policy route on the mark).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - always printed in full: `--on-port P --on-ip A --tproxy-mark 0xV/0xM`, defaults `--on-ip 0.0.0.0`
 *   (IPv6 `::`) and `--tproxy-mark 0x0/0x0`; a mark without mask gets `/0xffffffff`;
 * - `--on-port` is required ('TPROXY: option "--on-port" must be specified'): a decimal port or a
 *   service name (`http` → 80; `0x10`: 'Port "0x10" does not resolve to anything.'); `--on-ip` is a plain
 *   address (`1.2.3.4/32` is refused);
 * - the kernel needs `-p tcp` or `-p udp` (not negated);
 * - placement: mangle table ("TPROXY target: only valid in mangle table, not nat"), PREROUTING only
 *   ("used from hooks INPUT, but only usable from PREROUTING"), also through user chains.
 */
import type { TargetBase } from "../../model/ast.js";
import { formatAddr, parseAddr, type IpAddr } from "../../net/addr.js";
import { PROTO } from "../../net/packet.js";
import { defineTarget } from "../types.js";
import { byName, hex, parsePort } from "../util.js";
import { readMarkMask } from "./mark-ops.js";

export interface TproxyTarget extends TargetBase {
  readonly name: "TPROXY";
  readonly port: number;
  /** Absent: the address the packet is addressed to (printed as 0.0.0.0 / ::). */
  readonly ip?: IpAddr;
  readonly markValue: number;
  readonly markMask: number;
}

export const TPROXY = defineTarget<TproxyTarget>({
  name: "TPROXY",
  tables: ["mangle"],
  hooks: ["PREROUTING"],
  options: [
    { name: "on-port", args: 1 },
    { name: "on-ip", args: 1 },
    { name: "tproxy-mark", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "TPROXY");
    let port = 0;
    const op = o.get("on-port");
    if (!op) ctx.error("missing-option", 'TPROXY: option "--on-port" must be specified', loc);
    else {
      const text = op.values[0] ?? "";
      const p = /^\d+$/.test(text) || /^[A-Za-z]/.test(text) ? parsePort(text) : null;
      if (p === null) ctx.error("bad-port", `TPROXY: Port "${text}" does not resolve to anything.`, op.valueLocs[0] ?? op.loc);
      else port = p;
    }
    let ip: IpAddr | undefined;
    const oi = o.get("on-ip");
    if (oi) {
      const a = parseAddr(oi.values[0] ?? "", ctx.family);
      if (!a) ctx.error("bad-address", `TPROXY: '${oi.values[0]}' is not an IPv${ctx.family} address`, oi.valueLocs[0] ?? oi.loc);
      else if (a.value !== 0n) ip = a;
    }
    let markValue = 0;
    let markMask = 0;
    const om = o.get("tproxy-mark");
    if (om) {
      const m = readMarkMask(om, ctx, "TPROXY");
      if (m) {
        markValue = m.value;
        markMask = m.mask;
      }
    }
    const p = ctx.protocol;
    if (!p || p.negated || (p.number !== PROTO.tcp && p.number !== PROTO.udp))
      ctx.error("target-needs-protocol", "TPROXY: needs -p tcp or -p udp in the rule (the kernel refuses it otherwise)", loc);
    return { kind: "target", name: "TPROXY", loc, port, ...(ip ? { ip } : {}), markValue, markMask };
  },
  print(t, family) {
    const ip = t.ip ? formatAddr(t.ip) : family === 4 ? "0.0.0.0" : "::";
    return `--on-port ${t.port} --on-ip ${ip} --tproxy-mark ${hex(t.markValue)}/${hex(t.markMask)}`;
  },
  /** The outcome depends on a listening transparent socket the dump does not show. */
  evaluate(t, pkt) {
    const ip = t.ip ? formatAddr(t.ip) : "the original destination";
    return { kind: "unknown", detail: `TPROXY to ${ip} port ${t.port}, mark ${hex(t.markValue)}/${hex(t.markMask)} (accepted if a transparent socket listens, else dropped); packet ${formatAddr(pkt.dst)}` };
  },
});
