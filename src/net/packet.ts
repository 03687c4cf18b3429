/**
 * The packet the engine evaluates, with the connection-tracking and routing facts that matches read.
 * Immutable: a target that rewrites the packet (DNAT, MARK, …) returns a new one.
 */
import type { Family, IpAddr } from "./addr.js";

/** IANA protocol numbers used by name in iptables. */
export const PROTO = {
  all: 0,
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  ospf: 89,
  sctp: 132,
  udplite: 136,
  mh: 135,
  dccp: 33,
} as const;

/**
 * Names iptables prints for `-p`: iptables-save asks /etc/protocols (getprotobynumber), so these are
 * Debian's netbase names (observed: 58 prints `ipv6-icmp`, 135 `mobility-header`). 0 is `all` and is
 * never printed (`-p all` is the default). Numbers without a name print as numbers.
 */
export const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: "icmp", 2: "igmp", 3: "ggp", 4: "ipencap", 5: "st", 6: "tcp", 8: "egp", 9: "igp", 12: "pup",
  17: "udp", 20: "hmp", 22: "xns-idp", 27: "rdp", 29: "iso-tp4", 33: "dccp", 36: "xtp", 37: "ddp",
  38: "idpr-cmtp", 41: "ipv6", 43: "ipv6-route", 44: "ipv6-frag", 45: "idrp", 46: "rsvp", 47: "gre",
  50: "esp", 51: "ah", 57: "skip", 58: "ipv6-icmp", 59: "ipv6-nonxt", 60: "ipv6-opts", 73: "rspf",
  81: "vmtp", 88: "eigrp", 89: "ospf", 93: "ax.25", 94: "ipip", 97: "etherip", 98: "encap", 103: "pim",
  108: "ipcomp", 112: "vrrp", 115: "l2tp", 124: "isis", 132: "sctp", 133: "fc", 135: "mobility-header",
  136: "udplite", 137: "mpls-in-ip", 138: "manet", 139: "hip", 140: "shim6", 141: "wesp", 142: "rohc",
  143: "ethernet",
};

/** Names accepted by `-p`: the printed names, their /etc/protocols aliases, and iptables' own. */
const PROTO_INPUT: Record<string, number> = (() => {
  const m: Record<string, number> = { all: 0, icmpv6: 58, mh: 135, "ipv6-mh": 135, ip: 0, hopopt: 0 };
  for (const [n, name] of Object.entries(PROTO_NAMES)) m[name] = Number(n);
  return m;
})();

/** Protocol number for `-p` text (name, any case, or 0-255), or null. */
export function parseProtocol(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 255 ? n : null;
  }
  return PROTO_INPUT[text.toLowerCase()] ?? null;
}

export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED" | "SNAT" | "DNAT";
export type CtStatus = "NONE" | "EXPECTED" | "SEEN_REPLY" | "ASSURED" | "CONFIRMED";

/** TCP flag bits as the kernel numbers them (and as `--tcp-flags` names them). */
export const TCP_FLAGS = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 } as const;
export type TcpFlagName = keyof typeof TCP_FLAGS;

export interface Packet {
  readonly family: Family;
  readonly src: IpAddr;
  readonly dst: IpAddr;
  /** IANA protocol number. */
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** TCP flags bitmask (TCP_FLAGS). */
  readonly tcpFlags: number;
  /** Non-first fragment (`-f`). */
  readonly fragment: boolean;
  readonly inIface?: string;
  readonly outIface?: string;
  /** Bridge ports, for packets that crossed a bridge (physdev). */
  readonly physIn?: string;
  readonly physOut?: string;
  readonly bridged?: boolean;
  /** skb->mark. */
  readonly mark: number;
  /** The connection's mark (CONNMARK/connmark). */
  readonly connmark: number;
  /** Conntrack state of this packet. */
  readonly ctState: Exclude<CtState, "SNAT" | "DNAT">;
  /** Conntrack status bits, plus whether the connection was SNATed/DNATed (for `--ctstate SNAT|DNAT`). */
  readonly ctStatus: ReadonlySet<CtStatus>;
  readonly ctDnat: boolean;
  readonly ctSnat: boolean;
  /** Original-direction tuple of the connection (before NAT): `--ctorigsrc/--ctorigdst`. */
  readonly ctOrigSrc?: IpAddr;
  readonly ctOrigDst?: IpAddr;
  readonly ctOrigSport?: number;
  readonly ctOrigDport?: number;
  /** Socket owner, for locally generated packets. */
  readonly uid?: number;
  readonly gid?: number;
  /** Total length in bytes (for `length`), when known. */
  readonly length?: number;
}

export function protoName(n: number): string {
  return PROTO_NAMES[n] ?? String(n);
}
