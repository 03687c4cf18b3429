/**
 * Address ranges the kernel treats specially when routing and in `addrtype`: loopback, "this network"
 * (0.0.0.0/8), multicast, the limited broadcast and the all-hosts/all-nodes groups. One table, so that
 * the engine's predicates (src/engine/context.ts) and the diff's address partition (src/diff/spaces.ts)
 * cannot drift apart.
 */
import type { Family, IpAddr } from "./addr.js";

export interface Prefix {
  readonly base: bigint;
  readonly len: number;
  /** First and last address of the range (precomputed: the engine tests them on every path). */
  readonly lo: bigint;
  readonly hi: bigint;
}

function prefix(family: Family, base: bigint, len: number): Prefix {
  const host = (1n << BigInt((family === 4 ? 32 : 128) - len)) - 1n;
  return { base, len, lo: base & ~host, hi: (base & ~host) | host };
}

export const LOOPBACK: Readonly<Record<Family, Prefix>> = { 4: prefix(4, 0x7f000000n, 8), 6: prefix(6, 1n, 128) };
export const MULTICAST: Readonly<Record<Family, Prefix>> = { 4: prefix(4, 0xe0000000n, 4), 6: prefix(6, 0xffn << 120n, 8) };
/** 0.0.0.0/8: martian as a destination, and as a source except for the broadcast DHCP uses. */
export const THIS_NETWORK4: Prefix = prefix(4, 0n, 8);
export const LIMITED_BROADCAST4 = 0xffffffffn;
/** The loopback host address: 127.0.0.1 or ::1. */
export const LOOPBACK_HOST: Readonly<Record<Family, bigint>> = { 4: 0x7f000001n, 6: 1n };
/** The multicast group every host is in: 224.0.0.1 or ff02::1. */
export const ALL_HOSTS: Readonly<Record<Family, bigint>> = { 4: 0xe0000001n, 6: 0xff020000000000000000000000000001n };

function inPrefix(a: IpAddr, p: Prefix): boolean {
  return a.value >= p.lo && a.value <= p.hi;
}

/** 127.0.0.0/8 or ::1. */
export function isLoopback(a: IpAddr): boolean {
  return inPrefix(a, LOOPBACK[a.family]);
}

export function isMulticast(a: IpAddr): boolean {
  return inPrefix(a, MULTICAST[a.family]);
}
