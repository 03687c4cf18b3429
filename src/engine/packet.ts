/** From a user's packet description to the `Packet` the first hook sees. */
import { PROTO, TCP_FLAGS, type CtStatus, type Packet } from "../net/packet.js";
import type { NodeContext, Origin, PacketSpec } from "./types.js";

/** Protocols whose packets carry ports (the ones `--sport/--dport` matches and NAT ports apply to). */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([PROTO.tcp, PROTO.udp, PROTO.sctp, PROTO.dccp, PROTO.udplite]);

function defaultStatus(state: Packet["ctState"]): CtStatus[] {
  switch (state) {
    case "NEW":
    case "INVALID":
    case "UNTRACKED":
      return [];
    case "ESTABLISHED":
      return ["SEEN_REPLY", "CONFIRMED"];
    case "RELATED":
      return ["CONFIRMED"];
  }
}

/**
 * The packet as it enters its first hook. The input interface defaults by origin (external:
 * `ctx.externalIface`, pod: `ctx.podIface`, host: none); the conntrack original tuple is the packet's
 * own (nothing is translated yet).
 */
export function makePacket(spec: PacketSpec, ctx: NodeContext): { packet: Packet; origin: Origin } {
  const origin = spec.from ?? "external";
  const inIface = spec.inIface ?? (origin === "external" ? ctx.externalIface : origin === "pod" ? ctx.podIface : undefined);
  const ctState = spec.ctState ?? "NEW";
  const bridged = spec.bridged ?? (spec.physdevIn !== undefined ? true : undefined);
  const hasPorts = PORT_PROTOCOLS.has(spec.proto);
  // Every field is present (undefined when unknown), in packetOf's order.
  const packet: Packet = packetOf({
    family: spec.src.family,
    src: spec.src,
    dst: spec.dst,
    proto: spec.proto,
    sport: hasPorts ? spec.sport : undefined,
    dport: hasPorts ? spec.dport : undefined,
    icmpType: spec.icmpType,
    icmpCode: spec.icmpCode,
    tcpFlags: spec.proto === PROTO.tcp ? (spec.tcpFlags ?? TCP_FLAGS.SYN) : 0,
    fragment: spec.fragment ?? false,
    inIface,
    outIface: undefined,
    physIn: spec.physdevIn,
    physOut: undefined,
    bridged,
    mark: (spec.mark ?? 0) >>> 0,
    connmark: (spec.connmark ?? 0) >>> 0,
    ctState,
    ctStatus: new Set(spec.ctStatus ?? defaultStatus(ctState)),
    ctDnat: false,
    ctSnat: false,
    ctOrigSrc: spec.src,
    ctOrigDst: spec.dst,
    ctOrigSport: hasPorts ? spec.sport : undefined,
    ctOrigDport: hasPorts ? spec.dport : undefined,
    uid: origin === "host" ? spec.uid : undefined,
    gid: origin === "host" ? spec.gid : undefined,
    length: spec.length,
  });
  return { packet, origin };
}

/**
 * The packet rebuilt as one object literal with every field in a fixed order. All packets the engine
 * holds go through here (targets return spread copies of varying shape): they then share one hidden
 * class, which keeps property reads, and the copies targets make, on V8's fast paths.
 */
export function packetOf(p: Packet): Packet {
  return rebuilt(p, p.inIface, p.outIface);
}

/** (Explicit parameters, no defaults: `undefined` must mean "no interface".) */
function rebuilt(p: Packet, inIface: string | undefined, outIface: string | undefined): Packet {
  return {
    family: p.family,
    src: p.src,
    dst: p.dst,
    proto: p.proto,
    sport: p.sport,
    dport: p.dport,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    tcpFlags: p.tcpFlags,
    fragment: p.fragment,
    inIface,
    outIface,
    physIn: p.physIn,
    physOut: p.physOut,
    bridged: p.bridged,
    mark: p.mark,
    connmark: p.connmark,
    ctState: p.ctState,
    ctStatus: p.ctStatus,
    ctDnat: p.ctDnat,
    ctSnat: p.ctSnat,
    ctOrigSrc: p.ctOrigSrc,
    ctOrigDst: p.ctOrigDst,
    ctOrigSport: p.ctOrigSport,
    ctOrigDport: p.ctOrigDport,
    uid: p.uid,
    gid: p.gid,
    length: p.length,
  };
}

/** A copy with the interfaces replaced (undefined: none). */
export function withIfaces(p: Packet, inIface: string | undefined, outIface: string | undefined): Packet {
  return p.inIface === inIface && p.outIface === outIface ? p : rebuilt(p, inIface, outIface);
}
