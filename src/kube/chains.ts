/**
 * kube-proxy's chains by name (pkg/proxy/iptables/proxier.go): the fixed ones (KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ, …) and the per-service ones, whose names end in 16
 * characters of base32(sha256(service port name + protocol [+ endpoint])) (./names.ts):
 * KUBE-SVC-* (cluster policy: the endpoint ladder), KUBE-SVL-* (local policy), KUBE-EXT-* (external
 * destinations), KUBE-FW-* (load-balancer source ranges), KUBE-SEP-* (one endpoint: masquerade hairpin
 * and DNAT), and the legacy KUBE-XLB-* (local policy before 1.24).
 */

/** The per-service chain kinds, as the lower-case form of their prefix (`svc` for KUBE-SVC-…). */
export type ServiceChainKind = "svc" | "svl" | "ext" | "fw" | "sep" | "xlb";

export type KubeChainKind =
  | "services"
  | "nodeports"
  | "postrouting"
  | "mark-masq"
  | "mark-drop"
  | "forward"
  | "proxy-firewall"
  | "external-services"
  | "firewall"
  | "canary"
  | ServiceChainKind;

const FIXED: Readonly<Record<string, KubeChainKind>> = {
  "KUBE-SERVICES": "services",
  "KUBE-NODEPORTS": "nodeports",
  "KUBE-POSTROUTING": "postrouting",
  "KUBE-MARK-MASQ": "mark-masq",
  "KUBE-MARK-DROP": "mark-drop",
  "KUBE-FORWARD": "forward",
  "KUBE-PROXY-FIREWALL": "proxy-firewall",
  "KUBE-EXTERNAL-SERVICES": "external-services",
  "KUBE-FIREWALL": "firewall",
  "KUBE-PROXY-CANARY": "canary",
  "KUBE-KUBELET-CANARY": "canary",
};

const HASHED = /^KUBE-(SVC|SVL|EXT|FW|SEP|XLB)-([A-Z2-7]+)$/;

/** Characters of the hash in the per-service chain names kube-proxy writes. */
export const HASH_LENGTH = 16;

/**
 * The kind of a kube-proxy chain, or undefined for any other chain. A per-service chain is recognised
 * by its prefix and base32 alphabet, whatever the hash length (see `parseServiceChain` for the names
 * kube-proxy itself would write).
 *
 * @example kubeChainKind("KUBE-SVC-NPX46M4PTMTKRN6Y") // "svc"
 */
export function kubeChainKind(name: string): KubeChainKind | undefined {
  if (!name.startsWith("KUBE-")) return undefined;
  const hashed = hashedKind(name);
  if (hashed !== undefined) return hashed;
  return Object.hasOwn(FIXED, name) ? FIXED[name] : undefined;
}

/** Kinds of hashed chains by the word after `KUBE-`. */
const HASHED_KINDS: ReadonlyMap<string, ServiceChainKind> = new Map([
  ["SVC", "svc"],
  ["SVL", "svl"],
  ["EXT", "ext"],
  ["FW", "fw"],
  ["SEP", "sep"],
  ["XLB", "xlb"],
]);

/**
 * `HASHED` without a regular expression (catalogues ask it of every rule's jump): the kind of
 * `KUBE-KIND-HASH` with a non-empty base32 hash, or undefined.
 */
function hashedKind(name: string): ServiceChainKind | undefined {
  const dash = name.indexOf("-", 5);
  if (dash < 0 || dash === name.length - 1) return undefined;
  const kind = HASHED_KINDS.get(name.slice(5, dash));
  if (kind === undefined) return undefined;
  for (let i = dash + 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 50 && c <= 55))) return undefined; // A-Z, 2-7
  }
  return kind;
}

/** Chains that stand for one service port (their hash is the service's); KUBE-SEP is an endpoint's. */
export function isServiceChain(kind: KubeChainKind | undefined): boolean {
  return kind === "svc" || kind === "svl" || kind === "ext" || kind === "fw" || kind === "xlb";
}

/**
 * The kind and hash of a per-service chain named as kube-proxy names them (16 hash characters), or
 * undefined. Chains named otherwise were not written by kube-proxy, whatever their prefix.
 *
 * @example parseServiceChain("KUBE-SEP-RLR6ZXJXMQP3D2RN") // { kind: "sep", hash: "RLR6ZXJXMQP3D2RN" }
 */
export function parseServiceChain(name: string): { readonly kind: ServiceChainKind; readonly hash: string } | undefined {
  if (!name.startsWith("KUBE-")) return undefined;
  const kind = hashedKind(name);
  if (kind === undefined) return undefined;
  const hash = name.slice(name.indexOf("-", 5) + 1);
  return hash.length === HASH_LENGTH ? { kind, hash } : undefined;
}

/** The name of a per-service chain: `serviceChainName("svc", "NPX46M4PTMTKRN6Y")` is `KUBE-SVC-NPX46M4PTMTKRN6Y`. */
export function serviceChainName(kind: ServiceChainKind, hash: string): string {
  return `KUBE-${kind.toUpperCase()}-${hash}`;
}

/** Shortest hash prefix kept when shortening. */
const MIN_HASH = 4;

/**
 * Shortens hashed chain names for reading (`KUBE-SVC-TCOU7JCQXEZGVUNU` → `KUBE-SVC-TCOU…`), each to the
 * shortest prefix of its hash that no other chain of the same kind shares, so the short form stays
 * unambiguous within the rule set. Other names are kept whole.
 */
export class ChainShortener {
  private readonly short = new Map<string, string>();

  constructor(names: Iterable<string>) {
    const byKind = new Map<string, string[]>();
    for (const n of names) {
      const m = HASHED.exec(n);
      if (!m) continue;
      const list = byKind.get(m[1]!) ?? [];
      list.push(m[2]!);
      byKind.set(m[1]!, list);
    }
    for (const [kind, hashes] of byKind) {
      const sorted = [...new Set(hashes)].sort();
      sorted.forEach((h, i) => {
        // The longest common prefix with the neighbours in sorted order decides what is needed.
        const common = Math.max(lcp(h, sorted[i - 1] ?? ""), lcp(h, sorted[i + 1] ?? ""));
        const len = Math.max(MIN_HASH, common + 1);
        this.short.set(`KUBE-${kind}-${h}`, len >= h.length ? `KUBE-${kind}-${h}` : `KUBE-${kind}-${h.slice(0, len)}…`);
      });
    }
  }

  /** The short form of a chain name (unknown names are returned unchanged). */
  name(chain: string): string {
    return this.short.get(chain) ?? chain;
  }
}

function lcp(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
