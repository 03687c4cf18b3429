/**
 * kube-proxy's chain names (pkg/proxy/iptables/proxier.go): a service port's chains are a prefix plus
 * the first 16 characters of base32(sha256(servicePortName + protocol)), servicePortName being
 * `namespace/name` with `:port` when the port is named and protocol lower case (`tcp`, `udp`, `sctp`);
 * an endpoint chain hashes servicePortName + protocol + endpoint (`ip:port`, `[ipv6]:port`).
 *
 * TODO(kube): src/kube is the shared home of kube-proxy knowledge; move this there when it has it.
 */
import { createHash } from "node:crypto";

export type ServiceChainKind = "SVC" | "SVL" | "EXT" | "FW" | "XLB" | "SEP";

const NAME = /^KUBE-(SVC|SVL|EXT|FW|XLB|SEP)-([A-Z2-7]{16})$/;

/** The kind and hash of a per-service chain name, or null. */
export function serviceChainKind(name: string): { kind: ServiceChainKind; hash: string } | null {
  const m = NAME.exec(name);
  return m ? { kind: m[1] as ServiceChainKind, hash: m[2]! } : null;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (Go's base32.StdEncoding alphabet), without padding. */
export function base32(buf: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** First 16 base32 characters of sha256(text). */
export function kubeHash(text: string): string {
  return base32(createHash("sha256").update(text, "utf8").digest()).slice(0, 16);
}

/** The hash of a service port's chains (KUBE-SVC/SVL/EXT/FW/XLB-…). */
export function servicePortHash(portName: string, protocol: string): string {
  return kubeHash(portName + protocol.toLowerCase());
}

/** The hash of an endpoint chain (KUBE-SEP-…). */
export function endpointHash(portName: string, protocol: string, endpoint: string): string {
  return kubeHash(portName + protocol.toLowerCase() + endpoint);
}

export const KUBE_PROTOCOLS = ["tcp", "udp", "sctp"] as const;

/** `namespace/name` or `namespace/name:port`, as kube-proxy writes a service port name in comments. */
export const PORT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[-a-z0-9]+)?$/;
