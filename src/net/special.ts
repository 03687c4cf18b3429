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
}

export const LOOPBACK: Readonly<Record<Family, Prefix>> = { 4: { base: 0x7f000000n, len: 8 }, 6: { base: 1n, len: 128 } };
export const MULTICAST: Readonly<Record<Family, Prefix>> = { 4: { base: 0xe0000000n, len: 4 }, 6: { base: 0xffn << 120n, len: 8 } };
/** 0.0.0.0/8: martian as a destination, and as a source except for the broadcast DHCP uses. */
export const THIS_NETWORK4: Prefix = { base: 0n, len: 8 };
export const LIMITED_BROADCAST4 = 0xffffffffn;
/** The loopback host address: 127.0.0.1 or ::1. */
export const LOOPBACK_HOST: Readonly<Record<Family, bigint>> = { 4: 0x7f000001n, 6: 1n };
/** The multicast group every host is in: 224.0.0.1 or ff02::1. */
export const ALL_HOSTS: Readonly<Record<Family, bigint>> = { 4: 0xe0000001n, 6: 0xff020000000000000000000000000001n };

function inPrefix(a: IpAddr, p: Prefix): boolean {
  const bits = a.family === 4 ? 32 : 128;
  return a.value >> BigInt(bits - p.len) === p.base >> BigInt(bits - p.len);
}

/** 127.0.0.0/8 or ::1. */
export function isLoopback(a: IpAddr): boolean {
  return inPrefix(a, LOOPBACK[a.family]);
}

export function isMulticast(a: IpAddr): boolean {
  return inPrefix(a, MULTICAST[a.family]);
}
