// Synthetic kube-proxy dumps for benchmarks and property tests.
//
// generateKubeProxyDump() returns text exactly as `iptables-save` (iptables
// 1.8.9, nf_tables backend) prints it after kube-proxy's rules for a made-up
// cluster have been restored: the kernel's canonical form, not kube-proxy's
// restore input. That means: tables in the order mangle, filter, nat; the
// built-in chains first and then the user chains sorted byte-wise; each
// chain's rules grouped together in insertion order; "-s/-d/-i/-o/-p" moved
// in front of the matches, hosts written with /32 (/128), an explicit
// "-m tcp" for --dport, MARK --or-mark/--xor-mark printed as --set-xmark,
// REJECT with its default --reject-with, recent's defaults spelled out,
// comments quoted unless they are [A-Za-z0-9_-]+, the doubled space after
// --nfacct-name, and statistic probabilities as the kernel stores them
// (lround(p * 2^31)) printed back with %.11f.
//
// corpus/check-gen.sh restores a generated dump into a scratch network
// namespace and checks that iptables-save gives back the same bytes.
//
// Only node built-ins are used.
import { createHash } from "node:crypto";

export type Era = "modern" | "legacy";

export interface GenOptions {
  /** Number of service ports to generate. */
  services: number;
  /** Endpoints per service; when absent each service gets 1-5 (some get 0). */
  endpointsPerService?: number;
  /** PRNG seed; the same options always give the same text. Default 1. */
  seed?: number;
  /** 4 (iptables-save) or 6 (ip6tables-save). Default 4. */
  family?: 4 | 6;
  /** Print "[packets:bytes]" counters, as `iptables-save -c` does. */
  withCounters?: boolean;
  /**
   * "modern": kube-proxy 1.29+ (KUBE-EXT/KUBE-SVL/KUBE-FW, KUBE-PROXY-FIREWALL,
   * nfacct counters, 10-decimal probabilities).
   * "legacy": the KUBE-XLB generation of about 1.16 (masquerade rules in
   * KUBE-SERVICES, KUBE-MARK-DROP, 5-decimal probabilities).
   */
  era?: Era;
  /** Date in the header lines. Default "Sat Nov 21 00:00:00 2026". */
  date?: string;
}

export const DEFAULT_DATE = "Sat Nov 21 00:00:00 2026";

// ---------------------------------------------------------------------------
// Printing helpers that reproduce iptables' own formatting.

/** xtables_save_string(): bare when only [A-Za-z0-9_-], else quoted with \" \' \\ escaped. */
export function saveString(s: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s;
  return `"${s.replace(/["'\\]/g, (c) => `\\${c}`)}"`;
}

const TWO31 = 2147483648;

/** What libxt_statistic stores for "--probability TEXT": lround(2^31 * strtod(TEXT)). */
export function storedProbability(text: string): number {
  const p = Number(text);
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`bad probability ${text}`);
  // p * 2^31 is exact in binary floating point; lround() rounds halves away
  // from zero, which for non-negative values is Math.round().
  return Math.round(p * TWO31);
}

/** printf("%.11f", stored / 2^31) with glibc's exact, round-half-even conversion. */
export function printStoredProbability(stored: number): string {
  const denom = 2n ** 31n;
  const num = BigInt(stored) * 10n ** 11n;
  let q = num / denom;
  const twiceRem = (num % denom) * 2n;
  if (twiceRem > denom || (twiceRem === denom && q % 2n === 1n)) q += 1n;
  const whole = q / 10n ** 11n;
  const frac = (q % 10n ** 11n).toString().padStart(11, "0");
  return `${whole}.${frac}`;
}

/** The probability as iptables-save prints it after restoring TEXT. */
export function canonicalProbability(text: string): string {
  return printStoredProbability(storedProbability(text));
}

/**
 * Go's fmt.Sprintf("%0.Nf", 1/n), as kube-proxy formats its probabilities.
 * Go rounds the exact binary value half to even; Number#toFixed rounds exact
 * ties up (1/64 with 5 decimals: Go "0.01562", toFixed "0.01563"), so ties
 * are detected and resolved here.
 */
export function kubeProxyProbability(n: number, decimals: number): string {
  const x = 1 / n;
  const long = x.toFixed(decimals + 30);
  const cut = long.length - 30;
  if (/^50*$/.test(long.slice(cut))) {
    const kept = long.slice(0, cut);
    const last = Number(kept[kept.length - 1]);
    if (last % 2 === 0) return kept;
  }
  return x.toFixed(decimals);
}

const ladderCache = new Map<number, string>();

/** What iptables-save prints for kube-proxy's probability 1/n written with `decimals` decimals. */
function ladderProbability(n: number, decimals: number): string {
  const key = n * 100 + decimals;
  let v = ladderCache.get(key);
  if (v === undefined) {
    v = canonicalProbability(kubeProxyProbability(n, decimals));
    ladderCache.set(key, v);
  }
  return v;
}

// ---------------------------------------------------------------------------
// kube-proxy chain names: base32(sha256(servicePortName + protocol [+ endpoint]))[:16].

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(buf: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function chainHash(text: string): string {
  return base32(createHash("sha256").update(text, "utf8").digest()).slice(0, 16);
}

// ---------------------------------------------------------------------------
// Deterministic PRNG (mulberry32).

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------
// Model of the made-up cluster.

interface Endpoint {
  ip: string;
  port: number;
  local: boolean;
  /** "ip:port" or "[ip]:port": what kube-proxy hashes, comments and DNATs to. */
  text: string;
}

interface Service {
  name: string; // namespace/name[:port]
  proto: "tcp" | "udp";
  clusterIP: string;
  port: number;
  nodePort: number; // 0 when not a NodePort
  localPolicy: boolean; // externalTrafficPolicy: Local
  healthCheckPort: number;
  lbIP: string; // "" when not a LoadBalancer
  sourceRanges: string[];
  affinity: boolean;
  endpoints: Endpoint[];
}

const NAMESPACES = ["default", "kube-system", "shop", "payments", "monitoring", "ingress", "batch", "data"];
const WORDS = ["api", "web", "cart", "auth", "search", "queue", "cache", "worker", "gateway", "billing", "store", "feed"];
const PORT_NAMES = ["http", "https", "grpc", "metrics", "", "tcp"];

function v4(a: number, b: number, c: number, d: number): string {
  return `${a}.${b}.${c}.${d}`;
}

function v6(prefix: string, n: number): string {
  return `${prefix}${n.toString(16)}`;
}

function buildServices(opts: GenOptions, rnd: () => number): Service[] {
  const family = opts.family ?? 4;
  const out: Service[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const usedNames = new Set<string>();
  const nextNodePort: Record<string, number> = { tcp: 30000, udp: 30000 };
  const takeNodePort = (proto: string): number => {
    const p = nextNodePort[proto]!;
    if (p > 32767) return 0;
    nextNodePort[proto] = p + 1;
    return p;
  };
  let nextLb = 1;
  for (let i = 0; i < opts.services; i++) {
    let name: string;
    do {
      const ns = pick(NAMESPACES);
      const svc = `${pick(WORDS)}-${Math.floor(rnd() * 1000)}`;
      const portName = pick(PORT_NAMES);
      name = `${ns}/${svc}${portName ? `:${portName}` : ""}`;
    } while (usedNames.has(name));
    usedNames.add(name);
    const proto: "tcp" | "udp" = rnd() < 0.1 ? "udp" : "tcp";
    // Addresses are written the way inet_ntop() prints them (no zero groups
    // that would be compressed differently).
    const clusterIP =
      family === 4
        ? v4(10, 96 + ((i >> 16) & 15), (i >> 8) & 255, i & 255)
        : v6(`fd00:10:${(0x96 + (i >> 15)).toString(16)}::`, 0x1000 + (i & 0x7fff));
    const port = pick([80, 443, 8080, 9090, 53, 6379, 5432, 3000]);
    let nEp = opts.endpointsPerService ?? (rnd() < 0.08 ? 0 : 1 + Math.floor(rnd() * 5));
    if (nEp < 0) nEp = 0;
    const endpoints: Endpoint[] = [];
    for (let e = 0; e < nEp; e++) {
      // This node owns pod block 1 (10.244.1.0/24 or fd00:10:244:1::/64).
      const node = 1 + Math.floor(rnd() * 8);
      const host = 2 + ((i * 7 + e * 13) % 250);
      const epPort = pick([8080, 8443, 80, 9000, 5000]);
      const ip = family === 4 ? v4(10, 244, node, host) : v6(`fd00:10:244:${node}::`, host);
      const text = family === 4 ? `${ip}:${epPort}` : `[${ip}]:${epPort}`;
      endpoints.push({ ip, port: epPort, local: node === 1, text });
    }
    const kind = rnd();
    // NodePorts (and health-check ports) come from one 30000-32767 pool, as the apiserver allocates them:
    // unique per protocol, and no more NodePort services once the range is used up.
    const nodePort = kind < 0.3 ? takeNodePort(proto) : 0;
    const localPolicy = nodePort !== 0 && rnd() < 0.35;
    const healthCheckPort = localPolicy ? takeNodePort("tcp") : 0;
    const lb = nodePort !== 0 && rnd() < 0.25;
    const lbIndex = lb ? nextLb++ : 0;
    out.push({
      name,
      proto,
      clusterIP,
      port,
      nodePort,
      localPolicy,
      healthCheckPort,
      // Load-balancer IPs are unique: 198.18.0.0/15 (RFC 2544 benchmarking) has room for every one.
      lbIP: lb
        ? family === 4
          ? v4(198, 18 + ((lbIndex >> 16) & 1), (lbIndex >> 8) & 255, (lbIndex & 255) || 1)
          : v6(`2001:db8:1b:${(0x1000 + (lbIndex >> 12)).toString(16)}::`, (lbIndex & 0xfff) + 1)
        : "",
      sourceRanges:
        lb && rnd() < 0.5 ? (family === 4 ? ["203.0.113.0/24", "192.0.2.0/25"] : ["2001:db8:ff::/48"]) : [],
      affinity: rnd() < 0.06,
      endpoints,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Table assembly in iptables-save's order.

class Table {
  private readonly rules = new Map<string, string[]>();
  private readonly userChains = new Set<string>();
  constructor(
    readonly name: string,
    private readonly builtins: string[],
  ) {
    for (const b of builtins) this.rules.set(b, []);
  }
  chain(name: string): void {
    if (!this.rules.has(name)) {
      this.rules.set(name, []);
      this.userChains.add(name);
    }
  }
  add(chain: string, rest: string): void {
    this.chain(chain);
    (this.rules.get(chain) as string[]).push(rest === "" ? `-A ${chain}` : `-A ${chain} ${rest}`);
  }
  ruleCount(): number {
    let n = 0;
    for (const r of this.rules.values()) n += r.length;
    return n;
  }
  render(out: string[], header: string, date: string, counters: (() => string) | null, policies: Map<string, string>): void {
    out.push(`# Generated by ${header} on ${date}`);
    out.push(`*${this.name}`);
    const user = [...this.userChains].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const b of this.builtins) out.push(`:${b} ${policies.get(b) ?? "ACCEPT"} ${counters ? counters() : "[0:0]"}`);
    for (const u of user) out.push(`:${u} - [0:0]`);
    for (const c of [...this.builtins, ...user]) {
      for (const r of this.rules.get(c) as string[]) out.push(counters ? `${counters()} ${r}` : r);
    }
    out.push("COMMIT");
    out.push(`# Completed on ${date}`);
  }
}

function hostMask(family: 4 | 6): string {
  return family === 4 ? "/32" : "/128";
}

function recentMask(family: 4 | 6): string {
  return family === 4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
}

function rejectWith(family: 4 | 6): string {
  return family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
}

// ---------------------------------------------------------------------------

/**
 * Text exactly as iptables-save prints it after restoring kube-proxy's rules
 * for a synthetic cluster of `opts.services` service ports.
 */
export function generateKubeProxyDump(opts: GenOptions): string {
  if (!Number.isInteger(opts.services) || opts.services < 0) throw new RangeError("services must be a non-negative integer");
  const family = opts.family ?? 4;
  const era = opts.era ?? "modern";
  const rnd = prng(opts.seed ?? 1);
  const services = buildServices(opts, rnd);
  const counterRnd = prng(((opts.seed ?? 1) ^ 0x5eed) >>> 0);
  const counters = opts.withCounters
    ? () => {
        const p = Math.floor(counterRnd() * 1_000_000);
        return `[${p}:${p * (40 + Math.floor(counterRnd() * 1400))}]`;
      }
    : null;
  const podCIDR = family === 4 ? "10.244.0.0/16" : "fd00:10:244::/56";
  const hm = hostMask(family);
  const tables =
    era === "modern"
      ? renderModern(services, family, podCIDR, hm)
      : renderLegacy(services, family, podCIDR, hm);
  const header = `${family === 4 ? "iptables-save" : "ip6tables-save"} v1.8.9 (nf_tables)`;
  const out: string[] = [];
  const date = opts.date ?? DEFAULT_DATE;
  for (const t of tables) t.render(out, header, date, counters, new Map());
  return out.join("\n") + "\n";
}

function renderModern(services: Service[], family: 4 | 6, podCIDR: string, hm: string): Table[] {
  const mangle = new Table("mangle", ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
  const filter = new Table("filter", ["INPUT", "FORWARD", "OUTPUT"]);
  const nat = new Table("nat", ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]);
  for (const c of ["KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY", "KUBE-PROXY-CANARY"]) mangle.chain(c);
  for (const c of ["KUBE-KUBELET-CANARY", "KUBE-PROXY-CANARY"]) {
    filter.chain(c);
    nat.chain(c);
  }
  for (const c of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"]) filter.chain(c);
  for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]) nat.chain(c);

  const lbfw = '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL';
  const ext = '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES';
  const portals = '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES';
  filter.add("INPUT", lbfw);
  filter.add("INPUT", '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  filter.add("INPUT", ext);
  filter.add("FORWARD", lbfw);
  filter.add("FORWARD", '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  filter.add("FORWARD", portals);
  filter.add("FORWARD", ext);
  filter.add("OUTPUT", lbfw);
  filter.add("OUTPUT", portals);
  if (family === 4) {
    filter.chain("KUBE-FIREWALL");
    filter.add("INPUT", "-j KUBE-FIREWALL");
    filter.add("OUTPUT", "-j KUBE-FIREWALL");
    filter.add(
      "KUBE-FIREWALL",
      '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  }
  nat.add("PREROUTING", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  nat.add("OUTPUT", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  nat.add("POSTROUTING", '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  nat.add("KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
  nat.add("KUBE-POSTROUTING", "-j MARK --set-xmark 0x4000/0x0");
  nat.add("KUBE-POSTROUTING", '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  nat.add("KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");

  for (const s of services) {
    const h = chainHash(s.name + s.proto);
    const svc = `KUBE-SVC-${h}`;
    const svl = `KUBE-SVL-${h}`;
    const extc = `KUBE-EXT-${h}`;
    const fw = `KUBE-FW-${h}`;
    const p = s.proto;
    const hasEndpoints = s.endpoints.length > 0;
    const local = s.endpoints.filter((e) => e.local);
    const hasExternalEndpoints = hasEndpoints && (!s.localPolicy || local.length > 0);
    const externallyAccessible = s.nodePort !== 0 || s.lbIP !== "";
    const usesFW = hasEndpoints && s.lbIP !== "" && s.sourceRanges.length > 0;
    const cmt = saveString;
    const dport = `-m ${p} --dport`;

    if (hasEndpoints) {
      nat.add("KUBE-SERVICES", `-d ${s.clusterIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} cluster IP`)} ${dport} ${s.port} -j ${svc}`);
    } else {
      filter.add(
        "KUBE-SERVICES",
        `-d ${s.clusterIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} has no endpoints`)} ${dport} ${s.port} -j REJECT --reject-with ${rejectWith(family)}`,
      );
    }
    const extFilterTarget = hasEndpoints ? "DROP" : `REJECT --reject-with ${rejectWith(family)}`;
    const extFilterComment = hasEndpoints ? `${s.name} has no local endpoints` : `${s.name} has no endpoints`;
    if (s.lbIP !== "") {
      if (hasEndpoints) {
        nat.add(
          "KUBE-SERVICES",
          `-d ${s.lbIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} loadbalancer IP`)} ${dport} ${s.port} -j ${usesFW ? fw : extc}`,
        );
      }
      if (usesFW) {
        filter.add(
          "KUBE-PROXY-FIREWALL",
          `-d ${s.lbIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} traffic not accepted by ${fw}`)} ${dport} ${s.port} -j DROP`,
        );
      }
      if (!hasExternalEndpoints) {
        filter.add(
          "KUBE-EXTERNAL-SERVICES",
          `-d ${s.lbIP}${hm} -p ${p} -m comment --comment ${cmt(extFilterComment)} ${dport} ${s.port} -j ${extFilterTarget}`,
        );
      }
    }
    if (s.nodePort !== 0) {
      if (hasEndpoints) {
        if (family === 4) {
          nat.add(
            "KUBE-NODEPORTS",
            `-d 127.0.0.0/8 -p ${p} -m comment --comment ${cmt(s.name)} ${dport} ${s.nodePort} -m nfacct --nfacct-name  localhost_nps_accepted_pkts -j ${extc}`,
          );
        }
        nat.add("KUBE-NODEPORTS", `-p ${p} -m comment --comment ${cmt(s.name)} ${dport} ${s.nodePort} -j ${extc}`);
      }
      if (!hasExternalEndpoints) {
        filter.add(
          "KUBE-EXTERNAL-SERVICES",
          `-p ${p} -m comment --comment ${cmt(extFilterComment)} -m addrtype --dst-type LOCAL ${dport} ${s.nodePort} -j ${extFilterTarget}`,
        );
      }
    }
    if (s.healthCheckPort !== 0) {
      filter.add(
        "KUBE-NODEPORTS",
        `-p tcp -m comment --comment ${cmt(`${s.name} health check node port`)} -m tcp --dport ${s.healthCheckPort} -j ACCEPT`,
      );
    }
    if (!hasEndpoints) continue;

    nat.chain(svc);
    nat.add(
      svc,
      `! -s ${podCIDR} -d ${s.clusterIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} cluster IP`)} ${dport} ${s.port} -j KUBE-MARK-MASQ`,
    );
    if (externallyAccessible) {
      nat.chain(extc);
      if (!s.localPolicy) {
        nat.add(extc, `-m comment --comment ${cmt(`masquerade traffic for ${s.name} external destinations`)} -j KUBE-MARK-MASQ`);
      } else {
        nat.add(extc, `-s ${podCIDR} -m comment --comment ${cmt(`pod traffic for ${s.name} external destinations`)} -j ${svc}`);
        nat.add(
          extc,
          `-m comment --comment ${cmt(`masquerade LOCAL traffic for ${s.name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        );
        nat.add(
          extc,
          `-m comment --comment ${cmt(`route LOCAL traffic for ${s.name} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`,
        );
      }
      if (hasExternalEndpoints) nat.add(extc, `-j ${s.localPolicy ? svl : svc}`);
    }
    if (usesFW) {
      nat.chain(fw);
      for (const r of s.sourceRanges) nat.add(fw, `-s ${r} -m comment --comment ${cmt(`${s.name} loadbalancer IP`)} -j ${extc}`);
      nat.add(fw, `-m comment --comment ${cmt(`other traffic to ${s.name} will be dropped by KUBE-PROXY-FIREWALL`)}`);
    }
    const seps = s.endpoints.map((e) => ({ e, chain: `KUBE-SEP-${chainHash(s.name + s.proto + e.text)}` }));
    const writeLB = (chain: string, eps: typeof seps): void => {
      if (s.affinity) {
        for (const { e, chain: sep } of eps) {
          nat.add(
            chain,
            `-m comment --comment ${cmt(`${s.name} -> ${e.text}`)} -m recent --rcheck --seconds 10800 --reap --name ${sep} --mask ${recentMask(family)} --rsource -j ${sep}`,
          );
        }
      }
      eps.forEach(({ e, chain: sep }, i) => {
        const stat =
          i < eps.length - 1
            ? ` -m statistic --mode random --probability ${ladderProbability(eps.length - i, 10)}`
            : "";
        nat.add(chain, `-m comment --comment ${cmt(`${s.name} -> ${e.text}`)}${stat} -j ${sep}`);
      });
    };
    writeLB(svc, seps);
    if (s.localPolicy && local.length > 0) {
      nat.chain(svl);
      writeLB(
        svl,
        seps.filter(({ e }) => e.local),
      );
    }
    for (const { e, chain: sep } of seps) {
      nat.chain(sep);
      nat.add(sep, `-s ${e.ip}${hm} -m comment --comment ${cmt(s.name)} -j KUBE-MARK-MASQ`);
      const recent = s.affinity ? ` -m recent --set --name ${sep} --mask ${recentMask(family)} --rsource` : "";
      nat.add(sep, `-p ${p} -m comment --comment ${cmt(s.name)}${recent} -m ${p} -j DNAT --to-destination ${e.text}`);
    }
  }
  const last = cmtLast();
  nat.add(
    "KUBE-SERVICES",
    family === 4 ? `${last} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS` : `! -d ::1/128 ${last} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
  );
  filter.add("KUBE-FORWARD", "-m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP");
  filter.add("KUBE-FORWARD", '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT');
  filter.add("KUBE-FORWARD", '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  return [mangle, filter, nat];
}

function cmtLast(): string {
  return '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
}

function renderLegacy(services: Service[], family: 4 | 6, podCIDR: string, hm: string): Table[] {
  const filter = new Table("filter", ["INPUT", "FORWARD", "OUTPUT"]);
  const nat = new Table("nat", ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]);
  for (const c of ["KUBE-FIREWALL", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD"]) filter.chain(c);
  for (const c of ["KUBE-MARK-DROP", "KUBE-MARK-MASQ", "KUBE-POSTROUTING", "KUBE-SERVICES", "KUBE-NODEPORTS"]) nat.chain(c);
  const portals = '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES';
  filter.add("INPUT", portals);
  filter.add("INPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES');
  filter.add("INPUT", "-j KUBE-FIREWALL");
  filter.add("FORWARD", '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  filter.add("FORWARD", portals);
  filter.add("OUTPUT", portals);
  filter.add("OUTPUT", "-j KUBE-FIREWALL");
  filter.add("KUBE-FIREWALL", '-m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP');
  filter.add("KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP");
  filter.add("KUBE-FORWARD", '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT');
  filter.add(
    "KUBE-FORWARD",
    `-s ${podCIDR} -m comment --comment "kubernetes forwarding conntrack pod source rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  filter.add(
    "KUBE-FORWARD",
    `-d ${podCIDR} -m comment --comment "kubernetes forwarding conntrack pod destination rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  nat.add("PREROUTING", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  nat.add("OUTPUT", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  nat.add("POSTROUTING", '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  nat.add("KUBE-MARK-DROP", "-j MARK --set-xmark 0x8000/0x8000");
  nat.add("KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");
  nat.add("KUBE-POSTROUTING", '-m comment --comment "kubernetes service traffic requiring SNAT" -m mark --mark 0x4000/0x4000 -j MASQUERADE');
  const loopback = family === 4 ? "127.0.0.0/8" : "::1/128";

  for (const s of services) {
    const h = chainHash(s.name + s.proto);
    const svc = `KUBE-SVC-${h}`;
    const xlb = `KUBE-XLB-${h}`;
    const fw = `KUBE-FW-${h}`;
    const p = s.proto;
    const cmt = saveString;
    const dport = `-m ${p} --dport`;
    const hasEndpoints = s.endpoints.length > 0;
    if (!hasEndpoints) {
      filter.add(
        "KUBE-SERVICES",
        `-d ${s.clusterIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} has no endpoints`)} ${dport} ${s.port} -j REJECT --reject-with ${rejectWith(family)}`,
      );
      if (s.lbIP !== "") {
        filter.add(
          "KUBE-EXTERNAL-SERVICES",
          `-d ${s.lbIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} has no endpoints`)} ${dport} ${s.port} -j REJECT --reject-with ${rejectWith(family)}`,
        );
      }
      if (s.nodePort !== 0) {
        filter.add(
          "KUBE-EXTERNAL-SERVICES",
          `-p ${p} -m comment --comment ${cmt(`${s.name} has no endpoints`)} -m addrtype --dst-type LOCAL ${dport} ${s.nodePort} -j REJECT --reject-with ${rejectWith(family)}`,
        );
      }
      continue;
    }
    const clusterMatch = `-d ${s.clusterIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} cluster IP`)} ${dport} ${s.port}`;
    nat.add("KUBE-SERVICES", `! -s ${podCIDR} ${clusterMatch} -j KUBE-MARK-MASQ`);
    nat.add("KUBE-SERVICES", `${clusterMatch} -j ${svc}`);
    const seps = s.endpoints.map((e) => ({ e, chain: `KUBE-SEP-${chainHash(s.name + s.proto + e.text)}` }));
    const local = seps.filter(({ e }) => e.local);
    if (s.lbIP !== "") {
      nat.add("KUBE-SERVICES", `-d ${s.lbIP}${hm} -p ${p} -m comment --comment ${cmt(`${s.name} loadbalancer IP`)} ${dport} ${s.port} -j ${fw}`);
      nat.chain(fw);
      const fwc = `-m comment --comment ${cmt(`${s.name} loadbalancer IP`)}`;
      const chosen = s.localPolicy ? xlb : svc;
      if (!s.localPolicy) nat.add(fw, `${fwc} -j KUBE-MARK-MASQ`);
      if (s.sourceRanges.length === 0) nat.add(fw, `${fwc} -j ${chosen}`);
      for (const r of s.sourceRanges) nat.add(fw, `-s ${r} ${fwc} -j ${chosen}`);
      nat.add(fw, `${fwc} -j KUBE-MARK-DROP`);
    }
    if (s.nodePort !== 0) {
      const np = `-p ${p} -m comment --comment ${cmt(s.name)} ${dport} ${s.nodePort}`;
      if (!s.localPolicy) {
        nat.add("KUBE-NODEPORTS", `${np} -j KUBE-MARK-MASQ`);
        nat.add("KUBE-NODEPORTS", `${np} -j ${svc}`);
      } else {
        nat.add("KUBE-NODEPORTS", `-s ${loopback} ${np} -j KUBE-MARK-MASQ`);
        nat.add("KUBE-NODEPORTS", `${np} -j ${xlb}`);
      }
    }
    const affinity = (chain: string, eps: typeof seps): void => {
      if (!s.affinity) return;
      for (const { chain: sep } of eps) {
        nat.add(
          chain,
          `-m comment --comment ${cmt(s.name)} -m recent --rcheck --seconds 10800 --reap --name ${sep} --mask ${recentMask(family)} --rsource -j ${sep}`,
        );
      }
    };
    nat.chain(svc);
    affinity(svc, seps);
    seps.forEach(({ chain: sep }, i) => {
      const stat =
        i < seps.length - 1
          ? ` -m statistic --mode random --probability ${ladderProbability(seps.length - i, 5)}`
          : "";
      nat.add(svc, `-m comment --comment ${cmt(s.name)}${stat} -j ${sep}`);
    });
    for (const { e, chain: sep } of seps) {
      nat.chain(sep);
      nat.add(sep, `-s ${e.ip}${hm} -m comment --comment ${cmt(s.name)} -j KUBE-MARK-MASQ`);
      const recent = s.affinity ? ` -m recent --set --name ${sep} --mask ${recentMask(family)} --rsource` : "";
      nat.add(sep, `-p ${p} -m comment --comment ${cmt(s.name)}${recent} -m ${p} -j DNAT --to-destination ${e.text}`);
    }
    if (s.localPolicy && (s.nodePort !== 0 || s.lbIP !== "")) {
      nat.chain(xlb);
      nat.add(xlb, `-s ${podCIDR} -m comment --comment "Redirect pods trying to reach external loadbalancer VIP to clusterIP" -j ${svc}`);
      if (local.length === 0) {
        nat.add(xlb, `-m comment --comment ${cmt(`${s.name} has no local endpoints`)} -j KUBE-MARK-DROP`);
      } else {
        affinity(xlb, local);
        local.forEach(({ chain: sep }, i) => {
          const stat =
            i < local.length - 1
              ? ` -m statistic --mode random --probability ${ladderProbability(local.length - i, 5)}`
              : "";
          nat.add(xlb, `-m comment --comment ${cmt(`Balancing rule ${i} for ${s.name}`)}${stat} -j ${sep}`);
        });
      }
    }
  }
  nat.add(
    "KUBE-SERVICES",
    family === 4 ? `${cmtLast()} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS` : `! -d ::1/128 ${cmtLast()} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
  );
  return [filter, nat];
}

function countLines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * The number of services for which generateKubeProxyDump() gives about
 * `targetLines` lines, for the same other options (default ones if omitted).
 */
export function linesFor(targetLines: number, opts: Omit<GenOptions, "services"> = {}): number {
  const base = countLines(generateKubeProxyDump({ ...opts, services: 0 }));
  if (targetLines <= base) return 0;
  const sample = 400;
  const perService = (countLines(generateKubeProxyDump({ ...opts, services: sample })) - base) / sample;
  return Math.max(0, Math.round((targetLines - base) / perService));
}
