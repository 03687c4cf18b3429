/** Packet fixtures shared by the extension tests. */
import { parseAddr, type IpAddr } from "../../src/net/addr.js";
import type { Packet } from "../../src/net/packet.js";

export function ip(text: string): IpAddr {
  const a = parseAddr(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

/** A new TCP packet 10.0.0.1:40000 → 10.0.0.2:80 (IPv6: 2001:db8::1 → 2001:db8::2), with overrides. */
export function packet(over: Partial<Packet> & { family?: 4 | 6 } = {}): Packet {
  const f = over.family ?? 4;
  return {
    family: f,
    src: ip(f === 4 ? "10.0.0.1" : "2001:db8::1"),
    dst: ip(f === 4 ? "10.0.0.2" : "2001:db8::2"),
    proto: 6,
    sport: 40000,
    dport: 80,
    tcpFlags: 2,
    fragment: false,
    mark: 0,
    connmark: 0,
    ctState: "NEW",
    ctStatus: new Set(),
    ctDnat: false,
    ctSnat: false,
    ...over,
  };
}
