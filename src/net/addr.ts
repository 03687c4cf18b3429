/**
 * IPv4/IPv6 addresses and networks. Parsing and textual forms come from ipaddr.js (a well-kept library
 * that already handles every IPv6 spelling); values are bigints so that both families share one
 * arithmetic (masks, ranges, set algebra in src/space).
 */
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

export interface IpAddr {
  readonly family: Family;
  readonly value: bigint;
}

/** An address with a mask, as iptables stores `-s`/`-d` (the mask need not be contiguous). */
export interface IpNet {
  readonly family: Family;
  /** Network address: already masked, as the kernel stores it. */
  readonly addr: bigint;
  readonly mask: bigint;
  /** Prefix length when the mask is contiguous, otherwise null (printed as a dotted mask). */
  readonly prefixLen: number | null;
}

export const bits = (f: Family): number => (f === 4 ? 32 : 128);
const ALL4 = (1n << 32n) - 1n;
const ALL6 = (1n << 128n) - 1n;
export const allOnes = (f: Family): bigint => (f === 4 ? ALL4 : ALL6);

const MASKS: Record<Family, bigint[]> = { 4: [], 6: [] };
for (const f of [4, 6] as const) {
  const b = f === 4 ? 32 : 128;
  for (let len = 0; len <= b; len++) MASKS[f].push(len === 0 ? 0n : (allOnes(f) >> BigInt(b - len)) << BigInt(b - len));
}

export function prefixMask(family: Family, len: number): bigint {
  if (len <= 0) return 0n;
  return MASKS[family][Math.min(len, bits(family))]!;
}

/** The prefix length of a contiguous mask, or null. */
export function maskToPrefix(family: Family, mask: bigint): number | null {
  const b = bits(family);
  let len = 0;
  while (len < b && (mask >> BigInt(b - 1 - len)) & 1n) len++;
  return prefixMask(family, len) === mask ? len : null;
}

/** Parse one address literal of either family (no prefix). Returns null when it is not one. */
/** Dotted quad to number without allocation, or -1 (the common case of every dump, kept fast). */
function quad(text: string, start: number, end: number): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // inet_pton refuses leading zeros ("010"); so does ipaddr.js' four-part decimal check.
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

export function parseAddr(text: string, family?: Family): IpAddr | null {
  if (family !== 6) {
    const q = quad(text, 0, text.length);
    if (q >= 0) return { family: 4, value: BigInt(q) };
  }
  // ipaddr.js accepts shorthand IPv4 forms ("10.1", "0x0a.1") in isValid; iptables (inet_pton via
  // xtables_numeric_to_ipaddr) only accepts dotted quads, so insist on four decimal parts.
  if (family !== 6 && /^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
    const b = ipaddr.IPv4.parse(text).toByteArray();
    return { family: 4, value: BigInt(((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) };
  }
  if (family !== 4 && text.includes(":") && ipaddr.IPv6.isValid(text)) {
    const parts = ipaddr.IPv6.parse(text).parts;
    let v = 0n;
    for (const p of parts) v = (v << 16n) | BigInt(p);
    return { family: 6, value: v };
  }
  return null;
}

export type NetParse = { ok: true; net: IpNet } | { ok: false; error: string };

/**
 * Parse `-s`/`-d` style text: `addr`, `addr/len` or `addr/mask` (IPv4 dotted mask). A missing length
 * means a host (/32 or /128). The address is masked as the kernel does (`10.0.0.1/8` → `10.0.0.0/8`).
 */
export function parseNet(text: string, family?: Family): NetParse {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const a = parseAddr(addrText, family);
  if (!a) return { ok: false, error: `'${addrText}' is not an IP${family ? `v${family}` : ""} address` };
  const b = bits(a.family);
  let mask: bigint;
  if (slash < 0) return { ok: true, net: { family: a.family, addr: a.value, mask: allOnes(a.family), prefixLen: b } };
  else {
    const m = text.slice(slash + 1);
    if (/^\d+$/.test(m)) {
      const len = Number(m);
      if (len > b) return { ok: false, error: `prefix length /${m} is too long for IPv${a.family}` };
      mask = prefixMask(a.family, len);
      return { ok: true, net: { family: a.family, addr: a.value & mask, mask, prefixLen: len } };
    } else {
      const mm = parseAddr(m, a.family);
      if (!mm) return { ok: false, error: `'${m}' is not a prefix length or mask` };
      mask = mm.value;
    }
  }
  return { ok: true, net: { family: a.family, addr: a.value & mask, mask, prefixLen: maskToPrefix(a.family, mask) } };
}

export function hostNet(a: IpAddr): IpNet {
  return { family: a.family, addr: a.value, mask: allOnes(a.family), prefixLen: bits(a.family) };
}

export function netContains(n: IpNet, a: IpAddr): boolean {
  return n.family === a.family && (a.value & n.mask) === n.addr;
}

/** Text of an address as inet_ntop prints it (what iptables-save prints). */
export function formatAddr(a: IpAddr): string {
  if (a.family === 4) {
    const v = Number(a.value);
    return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
  // glibc's inet_ntop prints IPv4-mapped and IPv4-compatible addresses with a dotted tail.
  if (parts.slice(0, 5).every((p) => p === 0) && (parts[5] === 0xffff || (parts[5] === 0 && parts[6] !== 0))) {
    const v4 = formatAddr({ family: 4, value: a.value & 0xffffffffn });
    return parts[5] === 0xffff ? `::ffff:${v4}` : `::${v4}`;
  }
  return ipaddr.fromByteArray(partsToBytes(parts)).toString();
}

function partsToBytes(parts: number[]): number[] {
  const out: number[] = [];
  for (const p of parts) out.push(p >> 8, p & 255);
  return out;
}

/** `-s` text as iptables-save prints it: `addr/len`, or `addr/mask` for a non-contiguous IPv4 mask. */
export function formatNet(n: IpNet): string {
  const addr = formatAddr({ family: n.family, value: n.addr });
  if (n.prefixLen !== null) return `${addr}/${n.prefixLen}`;
  return `${addr}/${formatAddr({ family: n.family, value: n.mask })}`;
}

export function addrKey(a: IpAddr): string {
  return `${a.family}:${a.value.toString(16)}`;
}
