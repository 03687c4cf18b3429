/**
 * kube-proxy's names (pkg/proxy/iptables/proxier.go, pkg/proxy/types.go): the service port name its
 * comments carry, `namespace/name` plus `:port` when the port is named, and the hashes that end its
 * per-service chain names: the first 16 characters of base32(sha256(servicePortName + protocol)) for a
 * service port's KUBE-SVC/SVL/EXT/FW/XLB chains, of base32(sha256(servicePortName + protocol +
 * endpoint)) for an endpoint's KUBE-SEP chain, the protocol in lower case (`tcp`, `udp`, `sctp`) and the
 * endpoint written `ip:port` or `[ipv6]:port`.
 *
 * corpus/tools/kpnames.mjs and bench/gen.ts compute the same hash on their own on purpose: they write
 * and check the dumps this code is tested against, so they must not share its mistakes.
 */
import { createHash } from "node:crypto";
import { HASH_LENGTH } from "./chains.js";

export interface ServicePortName {
  /** `namespace/name:port` (or `namespace/name` for an unnamed port), as kube-proxy writes it. */
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly port?: string;
}

// Namespaces and service names are DNS labels (dots tolerated), port names IANA service names.
const LABEL = "[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?";
const PORT = "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?";
const NAME = new RegExp(`(?:^|\\s)(${LABEL})/(${LABEL})(?::(${PORT}))?(?=$|\\s)`);
const EXACT = new RegExp(`^${LABEL}/${LABEL}(?::${PORT})?$`);

/**
 * The service port name a kube-proxy comment mentions (its first word that is one), if any.
 *
 * @example servicePortName("masquerade traffic for shop/web:http external destinations")?.name // "shop/web:http"
 */
export function servicePortName(comment: string): ServicePortName | undefined {
  const m = NAME.exec(comment);
  if (!m) return undefined;
  const namespace = m[1]!;
  const service = m[2]!;
  const port = m[3];
  return { name: `${namespace}/${service}${port !== undefined ? `:${port}` : ""}`, namespace, service, ...(port !== undefined ? { port } : {}) };
}

/** Whether a text is exactly a service port name (`namespace/name` or `namespace/name:port`). */
export function isServicePortName(text: string): boolean {
  return EXACT.test(text);
}

/** The protocols kube-proxy proxies, as its chain hashes spell them. */
export const KUBE_PROTOCOLS = ["tcp", "udp", "sctp"] as const;
export type KubeProtocol = (typeof KUBE_PROTOCOLS)[number];

const PROTOCOL_BY_NUMBER: Readonly<Record<number, KubeProtocol>> = { 6: "tcp", 17: "udp", 132: "sctp" };

/** The kube-proxy protocol of an IP protocol number (undefined for any other protocol). */
export function kubeProtocol(n: number | undefined): KubeProtocol | undefined {
  return n === undefined ? undefined : PROTOCOL_BY_NUMBER[n];
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

/** The first 16 base32 characters of sha256(text): kube-proxy's chain-name hash. */
export function kubeHash(text: string): string {
  return base32(createHash("sha256").update(text, "utf8").digest()).slice(0, HASH_LENGTH);
}

/**
 * The hash of a service port's chains (KUBE-SVC/SVL/EXT/FW/XLB-…).
 *
 * @example servicePortHash("default/kubernetes:https", "tcp") // "NPX46M4PTMTKRN6Y"
 */
export function servicePortHash(portName: string, protocol: string): string {
  return kubeHash(portName + protocol.toLowerCase());
}

/**
 * The hash of an endpoint's chain (KUBE-SEP-…); the endpoint is `ip:port` or `[ipv6]:port`.
 *
 * @example endpointHash("default/kubernetes:https", "tcp", "192.168.49.2:6443") // "RLR6ZXJXMQP3D2RN"
 */
export function endpointHash(portName: string, protocol: string, endpoint: string): string {
  return kubeHash(portName + protocol.toLowerCase() + endpoint);
}
