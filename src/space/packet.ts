/**
 * A concrete point of the packet space (one value per field), and its translation to the engine's
 * Packet so that a witness can be replayed through `explain`.
 */
import type { Family } from "../net/addr.js";
import type { CtStatus, Packet } from "../net/packet.js";
import { PROTO } from "../net/packet.js";
import { ADDR_TYPES, CT_STATUS, ctstateCombo, ctstateDecode, type CtStateName } from "./fields.js";

export interface SymPacket {
  readonly family: Family;
  readonly src: bigint;
  readonly dst: bigint;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  /** ICMP type << 8 | code. */
  readonly icmp: number;
  /** 0: unfragmented or first fragment; 1: a later fragment. */
  readonly frag: number;
  readonly tcpFlags: number;
  /** "" when the packet has no such interface. */
  readonly inIface: string;
  readonly outIface: string;
  readonly mark: number;
  readonly connmark: number;
  /** See fields.ts ctstateCombo. */
  readonly ctstate: number;
  /** Bits in CT_STATUS order. */
  readonly ctstatus: number;
  /** Bit sets in ADDR_TYPES order. */
  readonly srcType: number;
  readonly dstType: number;
}

/** The value of field `name` of a packet, as the field's set stores it. */
export function fieldValue(p: SymPacket, name: string): bigint | number | string {
  return (p as unknown as Record<string, bigint | number | string>)[name]!;
}

const PORT_PROTOS: readonly number[] = [PROTO.tcp, PROTO.udp, PROTO.sctp, PROTO.dccp, PROTO.udplite];

/**
 * The engine's Packet for a symbolic one. Address types are not part of a Packet (the engine asks its
 * environment); they are returned beside it.
 */
export function toPacket(p: SymPacket): { packet: Packet; srcTypes: string[]; dstTypes: string[] } {
  const ct = ctstateDecode(p.ctstate);
  const status = new Set<CtStatus>();
  CT_STATUS.forEach((s, i) => {
    if (p.ctstatus & (1 << i)) status.add(s);
  });
  const isIcmp = p.proto === (p.family === 4 ? PROTO.icmp : PROTO.icmpv6);
  const packet: Packet = {
    family: p.family,
    src: { family: p.family, value: p.src },
    dst: { family: p.family, value: p.dst },
    proto: p.proto,
    ...(PORT_PROTOS.includes(p.proto) ? { sport: p.sport, dport: p.dport } : {}),
    ...(isIcmp ? { icmpType: p.icmp >> 8, icmpCode: p.icmp & 255 } : {}),
    tcpFlags: p.tcpFlags,
    fragment: p.frag === 1,
    ...(p.inIface !== "" ? { inIface: p.inIface } : {}),
    ...(p.outIface !== "" ? { outIface: p.outIface } : {}),
    mark: p.mark,
    connmark: p.connmark,
    ctState: ct.state,
    ctStatus: status,
    ctSnat: ct.snat,
    ctDnat: ct.dnat,
  };
  const types = (v: number) => ADDR_TYPES.filter((_, i) => v & (1 << i));
  return { packet, srcTypes: types(p.srcType), dstTypes: types(p.dstType) };
}

/** A symbolic packet from an engine Packet (address types given separately, default none). */
export function fromPacket(pkt: Packet, srcTypes: readonly string[] = [], dstTypes: readonly string[] = []): SymPacket {
  let status = 0;
  CT_STATUS.forEach((s, i) => {
    if (pkt.ctStatus.has(s)) status |= 1 << i;
  });
  const typeBits = (ts: readonly string[]) => ts.reduce((m, t) => m | (ADDR_TYPES.indexOf(t as never) >= 0 ? 1 << ADDR_TYPES.indexOf(t as never) : 0), 0);
  return {
    family: pkt.family,
    src: pkt.src.value,
    dst: pkt.dst.value,
    proto: pkt.proto,
    sport: pkt.sport ?? 0,
    dport: pkt.dport ?? 0,
    icmp: ((pkt.icmpType ?? 0) << 8) | (pkt.icmpCode ?? 0),
    frag: pkt.fragment ? 1 : 0,
    tcpFlags: pkt.tcpFlags,
    inIface: pkt.inIface ?? "",
    outIface: pkt.outIface ?? "",
    mark: pkt.mark >>> 0,
    connmark: pkt.connmark >>> 0,
    ctstate: ctstateCombo(pkt.ctState as CtStateName, pkt.ctSnat, pkt.ctDnat),
    ctstatus: status,
    srcType: typeBits(srcTypes),
    dstType: typeBits(dstTypes),
  };
}
