/**
 * The `[ipaddr[-ipaddr]][:port[-port]]` ranges of DNAT/SNAT (IPv6: `[addr[-addr]]:port[-port]`), and
 * how a NAT target rewrites a packet with them. Not an extension itself.
 */
import { formatAddr, parseAddr, type Family, type IpAddr } from "../../net/addr.js";
import type { Packet } from "../../net/packet.js";
import { PROTO } from "../../net/packet.js";
import type { DecodeContext, OptionOccurrence } from "../types.js";

export interface NatRange {
  readonly minAddr?: IpAddr;
  readonly maxAddr?: IpAddr;
  readonly minPort?: number;
  readonly maxPort?: number;
}

const PORT_PROTOS: readonly number[] = [PROTO.tcp, PROTO.udp, PROTO.sctp, PROTO.dccp, PROTO.udplite];

export function decodeNatRange(o: OptionOccurrence, ctx: DecodeContext, target: string): NatRange | undefined {
  const text = o.values[0]!;
  const loc = o.valueLocs[0] ?? o.loc;
  let addrPart = text;
  let portPart: string | undefined;
  if (ctx.family === 6) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (m) {
      addrPart = m[1]!;
      portPart = m[2];
    } else if (text.includes("]")) {
      ctx.error("bad-nat-range", `${target}: '${text}' is not [address]:port`, loc);
      return undefined;
    }
  } else {
    const colon = text.indexOf(":");
    if (colon >= 0) {
      addrPart = text.slice(0, colon);
      portPart = text.slice(colon + 1);
    }
  }
  const r: { -readonly [K in keyof NatRange]: NatRange[K] } = {};
  if (addrPart !== "") {
    const dash = addrPart.indexOf("-");
    const a = parseAddr(dash < 0 ? addrPart : addrPart.slice(0, dash), ctx.family);
    const b = dash < 0 ? a : parseAddr(addrPart.slice(dash + 1), ctx.family);
    if (!a || !b) {
      ctx.error("bad-nat-range", `${target}: '${addrPart}' is not an IPv${ctx.family} address or address range`, loc);
      return undefined;
    }
    if (b.value < a.value) ctx.error("bad-nat-range", `${target}: address range ${addrPart} is inverted`, loc);
    r.minAddr = a;
    r.maxAddr = b;
  }
  if (portPart !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo > 65535 || hi > 65535 || lo > hi) {
      ctx.error("bad-nat-range", `${target}: '${portPart}' is not a port or port range`, loc);
      return undefined;
    }
    const p = ctx.protocol;
    if (!p || p.negated || !PORT_PROTOS.includes(p.number))
      ctx.error("nat-port-needs-protocol", `${target}: a port needs -p tcp, udp, sctp or dccp (iptables refuses it otherwise)`, loc);
    r.minPort = lo;
    r.maxPort = hi;
  }
  if (r.minAddr === undefined && r.minPort === undefined) {
    ctx.error("bad-nat-range", `${target}: empty address and port`, loc);
    return undefined;
  }
  return r;
}

export function formatNatRange(r: NatRange, family: Family): string {
  let addr = "";
  if (r.minAddr) {
    addr = formatAddr(r.minAddr);
    if (r.maxAddr && r.maxAddr.value !== r.minAddr.value) addr += "-" + formatAddr(r.maxAddr);
  }
  let port = "";
  if (r.minPort !== undefined) port = r.minPort === r.maxPort ? `${r.minPort}` : `${r.minPort}-${r.maxPort}`;
  if (family === 6 && port !== "") return `[${addr}]:${port}`;
  return port === "" ? addr : `${addr}:${port}`;
}

/**
 * Rewrite the destination or source with the first address/port of the range.
 * Deviation: for a multi-address or multi-port range the kernel picks by hash (or randomly); we take
 * the lowest and the caller reports the range.
 */
export function natRewrite(pkt: Packet, r: NatRange | undefined, which: "src" | "dst"): Packet {
  if (!r) return pkt;
  const out: { -readonly [K in keyof Packet]: Packet[K] } = { ...pkt };
  if (which === "dst") {
    if (r.minAddr) out.dst = r.minAddr;
    if (r.minPort !== undefined && pkt.dport !== undefined) out.dport = r.minPort;
    out.ctDnat = true;
  } else {
    if (r.minAddr) out.src = r.minAddr;
    if (r.minPort !== undefined && pkt.sport !== undefined) out.sport = r.minPort;
    out.ctSnat = true;
  }
  return out;
}
