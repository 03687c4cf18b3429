/**
 * The services a dump implements, recovered from kube-proxy's comments and chain structure: each
 * service port (`namespace/name:port`) with its frontends (cluster IP, external IPs, load-balancer IPs and
 * node ports, with protocol, port and the chain they jump to), its endpoints (the KUBE-SEP chains' DNAT
 * destinations) and their shares, session affinity, traffic policies and load-balancer source ranges;
 * and every per-service chain, with whether anything still reaches it. Both generations are read: the
 * KUBE-XLB era (~1.16-1.22) and KUBE-EXT/KUBE-SVL since 1.23.
 *
 * Comment shapes read (pkg/proxy/iptables/proxier.go):
 *   nat KUBE-SERVICES     "ns/svc:port cluster IP" | "… external IP" | "… loadbalancer IP"
 *   nat KUBE-NODEPORTS    "ns/svc:port"  (with --dport NODEPORT)
 *   nat KUBE-SVC-*        "ns/svc:port -> 10.244.1.5:8080"
 *   nat KUBE-SEP-*        "ns/svc:port"  (then DNAT --to-destination)
 *   filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES  "ns/svc:port has no endpoints" (REJECT),
 *                                                  "… has no local endpoints" (DROP)
 *   filter KUBE-PROXY-FIREWALL "ns/svc:port traffic not accepted by KUBE-FW-…"
 * Other comments naming a service port ("Balancing rule 0 for ns/svc:port", "masquerade traffic for
 * ns/svc:port external destinations") tie the chain they sit in, or jump to, to that service port.
 *
 * Traffic policy: internal Local when the cluster IP jumps to KUBE-SVL or the filter says "has no local
 * endpoints" for it; external Local when KUBE-EXT routes to KUBE-SVL or tests `--src-type LOCAL`, when
 * (before 1.23) a KUBE-XLB chain exists, or when the filter says so for its external addresses.
 */
import type { Chain, Rule, Ruleset, Table } from "../model/ast.js";
import { formatAddr, type Family, type IpAddr } from "../net/addr.js";
import { isServiceChain, kubeChainKind, parseServiceChain, serviceChainName, type ServiceChainKind } from "./chains.js";
import { ladderOf, type Ladder } from "./ladder.js";
import { isServicePortName, servicePortName, type ServicePortName } from "./names.js";
import { dnatDestination, hasAddrtypeLocal, jumpTarget, ruleComment, ruleDport, ruleDstHost, ruleProto } from "./rules.js";

export type ServiceVia = "cluster IP" | "external IP" | "loadbalancer IP" | "nodePort" | "external address";
/** What a filter rule that REJECTs (DROPs) a service port's traffic says about its endpoints. */
export type ServiceFact = "has no endpoints" | "has no local endpoints";
export type TrafficPolicy = "Cluster" | "Local";

/** A rule through which traffic reaches a service port, as written (the address, protocol or port may be missing). */
export interface FrontendRule {
  /** `namespace/name:port`. */
  readonly service: string;
  readonly via: ServiceVia;
  /** The address (undefined for a node port: any local address). */
  readonly addr?: IpAddr;
  readonly proto?: number;
  readonly port?: number;
  /** The per-service chain (named as kube-proxy names them) a nat rule jumps to. */
  readonly target?: string;
  /** For a filter rule: why it REJECTs or DROPs the traffic. */
  readonly fact?: ServiceFact;
  readonly rule: Rule;
  readonly table: string;
  readonly chain: string;
  /** 1-based position in the chain. */
  readonly index: number;
  readonly line: number;
}

/** One way in to a service port: an address (or any local one, for a node port), protocol and port. */
export interface Frontend extends FrontendRule {
  readonly proto: number;
  readonly port: number;
}

/** A nat rule that sends a service port's traffic to its chains. */
export interface Entry extends FrontendRule {
  readonly target: string;
}

export interface Endpoint {
  readonly addr: IpAddr;
  readonly port?: number;
  /** The KUBE-SEP chain. */
  readonly chain: string;
  /** `--to-destination` as iptables-save prints it. */
  readonly destination: string;
  /** The DNAT rule. */
  readonly rule: Rule;
}

/** A nat chain named like kube-proxy's per-service chains (`KUBE-SVC-` + 16 hash characters, …). */
export interface ServiceChain {
  readonly name: string;
  readonly kind: ServiceChainKind;
  readonly hash: string;
  readonly chain: Chain;
  /** The service port its rules, or the rules jumping to it, name. */
  readonly service?: string;
  /** KUBE-SEP: the first DNAT's `--to-destination`. */
  readonly destination?: string;
  /** KUBE-SVC/SVL/XLB: the endpoint ladder. */
  readonly ladder?: Ladder;
  /** Some nat rule jumps to it. */
  readonly referenced: boolean;
  /** Jumps lead to it from nat KUBE-SERVICES or KUBE-NODEPORTS (kube-proxy deletes chains that are not). */
  readonly reachable: boolean;
}

export interface ServicePort extends ServicePortName {
  /** The protocol of its frontend rules (kube-proxy's hashes include it). */
  readonly proto?: number;
  /** The hash of its chains, from the chains its entry rules jump to. */
  readonly hash?: string;
  /** Its distinct ways in, nat rules before the filter rules that restate them, by kind. */
  readonly frontends: readonly Frontend[];
  /** Every rule naming a way in, in dump order (nat first). */
  readonly frontendRules: readonly FrontendRule[];
  /** The KUBE-SEP chains that DNAT for it. */
  readonly endpoints: readonly Endpoint[];
  /** Share of new connections (without affinity) per endpoint (`--to-destination`, or the KUBE-SEP chain without DNAT), from the ladder of its KUBE-SVC chain (KUBE-SVL when there is none). */
  readonly weights: ReadonlyMap<string, number>;
  /** ClientIP session affinity timeout in seconds; undefined for None. */
  readonly affinity?: number;
  readonly internalPolicy: TrafficPolicy;
  /** Undefined when it has no external address or node port. */
  readonly externalPolicy?: TrafficPolicy;
  /** Load-balancer source ranges (`-s` of its KUBE-FW chain), `addr/len`. */
  readonly sourceRanges: ReadonlySet<string>;
  /** Service chains seen for it (KUBE-SVC/SVL/EXT/FW/XLB/SEP). */
  readonly chains: Set<string>;
  /** Facts from filter comments. */
  readonly facts: Set<ServiceFact>;
}

export interface Catalogue {
  readonly family: Family;
  /** Whether the rule set has kube-proxy's KUBE-SERVICES chain (nat or filter). */
  readonly kube: boolean;
  readonly nat: Table | undefined;
  readonly filter: Table | undefined;
  /** nat chains by name. */
  readonly natChains: ReadonlyMap<string, Chain>;
  readonly services: ReadonlyMap<string, ServicePort>;
  /** Every rule naming a way in to a service port, in dump order (nat first). */
  readonly frontendRules: readonly FrontendRule[];
  /**
   * The nat rules that send a service port's traffic to its chains: KUBE-SERVICES rules, then
   * KUBE-NODEPORTS rules (one per service port, protocol and port: the localhost variant repeats it).
   */
  readonly entries: readonly Entry[];
  /** Per-service chains named as kube-proxy names them, in dump order. */
  readonly chains: ReadonlyMap<string, ServiceChain>;
  /** Service port of each per-service chain (nat). */
  readonly chainService: ReadonlyMap<string, string>;
  /** Frontends by the rule that names them: `table/chain/index`. */
  readonly frontendByRule: ReadonlyMap<string, Frontend>;
  /** Frontends by address value (node ports under `undefined`). */
  readonly frontendsByAddr: ReadonlyMap<bigint | undefined, readonly Frontend[]>;
}

const VIA_COMMENT = /^(\S+) (cluster IP|external IP|loadbalancer IP)$/;
const FACT_COMMENT = /^(\S+) (has no endpoints|has no local endpoints)$/;
const FIREWALL_COMMENT = /^(\S+) traffic not accepted by /;
const ENDPOINT_COMMENT = /^(\S+) -> (\S+)$/;

const VIA_ORDER: readonly ServiceVia[] = ["cluster IP", "external IP", "loadbalancer IP", "nodePort", "external address"];

/**
 * The service port and endpoint of a load-balancing rule's comment (`ns/svc:port -> 10.244.1.5:8080`,
 * written since 1.22). The service port is as written: check it with `isServicePortName`.
 */
export function endpointComment(comment: string): { readonly service: string; readonly endpoint: string } | undefined {
  const m = ENDPOINT_COMMENT.exec(comment);
  return m ? { service: m[1]!, endpoint: m[2]! } : undefined;
}

type Draft = { -readonly [K in keyof ServicePort]: ServicePort[K] } & {
  frontends: Frontend[];
  frontendRules: FrontendRule[];
  endpoints: Endpoint[];
  weights: Map<string, number>;
  sourceRanges: Set<string>;
};

/**
 * Build the catalogue of a rule set (empty when it holds no kube-proxy rules).
 *
 * @example
 * const cat = buildCatalogue(ruleset);
 * cat.services.get("kube-system/kube-dns:dns")?.frontends.map((f) => f.via); // ["cluster IP"]
 */
export function buildCatalogue(rs: Ruleset): Catalogue {
  const family = rs.family;
  const nat = rs.tables.find((t) => t.name === "nat");
  const filter = rs.tables.find((t) => t.name === "filter");
  const natChains = new Map((nat?.chains ?? []).map((c) => [c.name, c]));
  const services = new Map<string, Draft>();
  const frontendRules: FrontendRule[] = [];
  const chainService = new Map<string, string>();
  const frontendByRule = new Map<string, Frontend>();
  const frontendsByAddr = new Map<bigint | undefined, Frontend[]>();
  const seen = new Set<string>();

  const svc = (n: ServicePortName): Draft => {
    let s = services.get(n.name);
    if (!s) {
      s = { ...n, frontends: [], frontendRules: [], endpoints: [], weights: new Map(), internalPolicy: "Cluster", sourceRanges: new Set(), chains: new Set(), facts: new Set() };
      services.set(n.name, s);
    }
    return s;
  };
  const addFrontend = (s: Draft, f: FrontendRule) => {
    frontendRules.push(f);
    s.frontendRules.push(f);
    if (f.proto === undefined || f.port === undefined || (f.addr === undefined && f.via !== "nodePort")) return;
    const full = f as Frontend;
    frontendByRule.set(`${f.table}/${f.chain}/${f.index}`, full);
    // The same frontend often has several rules (legacy masquerade rules, localhost node ports, filter
    // rules restating a nat one): the first wins, and nat is scanned first for its exact wording.
    const k = `${f.addr?.value ?? "node"}|${f.proto}|${f.port}|${s.name}`;
    if (seen.has(k)) return;
    seen.add(k);
    s.frontends.push(full);
    const list = frontendsByAddr.get(f.addr?.value) ?? [];
    list.push(full);
    frontendsByAddr.set(f.addr?.value, list);
  };

  // A service's comment is on many rules (its chains, every endpoint's): read each text once.
  const names = new Map<string, ServicePortName | null>();
  const nameOf = (comment: string): ServicePortName | null => {
    let n = names.get(comment);
    if (n === undefined) names.set(comment, (n = servicePortName(comment) ?? null));
    return n;
  };
  const scan = (t: Table) => {
    for (const c of t.chains) {
      const ckind = kubeChainKind(c.name);
      const rules = c.rules;
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i]!;
        const comment = ruleComment(r);
        const name = comment !== undefined ? nameOf(comment) : null;
        if (!name || comment === undefined) continue;
        const s = svc(name);
        const target = jumpTarget(r);
        const tkind = target !== undefined ? kubeChainKind(target) : undefined;
        const addr = ruleDstHost(r);
        // The rule as a frontend's record: made only for the rules that name a way in.
        const sel = () => {
          const proto = ruleProto(r);
          const port = ruleDport(r);
          return {
            ...(proto !== undefined ? { proto } : {}),
            ...(port !== undefined ? { port } : {}),
            service: s.name,
            rule: r,
            table: t.name,
            chain: c.name,
            index: i + 1,
            line: r.loc.line,
          };
        };
        if (t.name === "nat") {
          if (isServiceChain(ckind)) {
            s.chains.add(c.name);
            chainService.set(c.name, s.name);
          }
          if (target !== undefined && (isServiceChain(tkind) || tkind === "sep")) {
            s.chains.add(target);
            chainService.set(target, s.name);
          }
          const jump = target !== undefined && tkind !== undefined && parseServiceChain(target) ? { target } : {};
          const via = c.name === "KUBE-SERVICES" ? VIA_COMMENT.exec(comment) : null;
          if (via && isServicePortName(via[1]!)) addFrontend(s, { via: via[2] as ServiceVia, ...(addr ? { addr } : {}), ...sel(), ...jump });
          if (ckind === "nodeports" && comment === s.name) addFrontend(s, { via: "nodePort", ...sel(), ...jump });
          if (ckind === "sep" && r.target?.kind === "target" && r.target.name === "DNAT") {
            const to = (r.target as { to?: { minAddr?: IpAddr; minPort?: number } }).to;
            if (to?.minAddr && !s.endpoints.some((e) => e.chain === c.name))
              s.endpoints.push({ addr: to.minAddr, ...(to.minPort !== undefined ? { port: to.minPort } : {}), chain: c.name, destination: dnatDestination(r, family) ?? formatAddr(to.minAddr), rule: r });
            chainService.set(c.name, s.name);
          }
          continue;
        }
        if (t.name !== "filter") continue;
        const fm = FACT_COMMENT.exec(comment);
        const fact = fm && isServicePortName(fm[1]!) ? (fm[2] as ServiceFact) : undefined;
        if (fact) {
          s.facts.add(fact);
          if (ckind === "services" || ckind === "external-services") {
            if (addr) addFrontend(s, { via: ckind === "services" ? "cluster IP" : "external address", addr, fact, ...sel() });
            else if (hasAddrtypeLocal(r, "dst")) addFrontend(s, { via: "nodePort", fact, ...sel() });
          }
        }
        const fw = ckind === "proxy-firewall" ? FIREWALL_COMMENT.exec(comment) : null;
        if (fw && isServicePortName(fw[1]!) && addr) addFrontend(s, { via: "loadbalancer IP", addr, ...sel() });
      }
    }
  };
  if (nat) scan(nat);
  if (filter) scan(filter);
  for (const s of services.values()) s.frontends.sort((a, b) => VIA_ORDER.indexOf(a.via) - VIA_ORDER.indexOf(b.via));

  const chains = serviceChains(nat, natChains, chainService, family);
  const entries = entryRules(frontendRules);
  for (const e of entries) {
    const s = services.get(e.service)!;
    const k = parseServiceChain(e.target)!;
    if (k.kind !== "sep") s.hash ??= k.hash;
  }
  for (const s of services.values()) describeService(s, chains, natChains, family);
  const kube = natChains.has("KUBE-SERVICES") || !!filter?.chains.some((c) => c.name === "KUBE-SERVICES");
  return { family, kube, nat, filter, natChains, services, frontendRules, entries, chains, chainService, frontendByRule, frontendsByAddr };
}

/** nat KUBE-SERVICES rules that jump to a service chain, then the distinct KUBE-NODEPORTS ones. */
function entryRules(rules: readonly FrontendRule[]): Entry[] {
  const jumps = rules.filter((f): f is Entry => f.table === "nat" && f.target !== undefined);
  const out = jumps.filter((f) => f.chain === "KUBE-SERVICES");
  const seen = new Set<string>();
  for (const f of jumps) {
    if (f.via !== "nodePort") continue;
    const key = `${f.service}/${f.proto}/${f.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

function firstDnat(c: Chain | undefined, family: Family): string | undefined {
  for (const r of c?.rules ?? []) {
    const d = dnatDestination(r, family);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Chains reached through jumps from `from`. */
function reach(chains: ReadonlyMap<string, Chain>, from: readonly string[]): Set<string> {
  const reached = new Set<string>();
  const stack = from.filter((n) => chains.has(n));
  while (stack.length) {
    const n = stack.pop()!;
    if (reached.has(n)) continue;
    reached.add(n);
    for (const r of chains.get(n)?.rules ?? []) if (r.target?.kind === "jump" && chains.has(r.target.chain)) stack.push(r.target.chain);
  }
  return reached;
}

function serviceChains(nat: Table | undefined, natChains: ReadonlyMap<string, Chain>, chainService: ReadonlyMap<string, string>, family: Family): Map<string, ServiceChain> {
  const referenced = new Set<string>();
  for (const c of nat?.chains ?? []) for (const r of c.rules) if (r.target?.kind === "jump") referenced.add(r.target.chain);
  const reachable = reach(natChains, ["KUBE-SERVICES", "KUBE-NODEPORTS"]);
  const chains = new Map<string, ServiceChain>();
  for (const c of nat?.chains ?? []) {
    const k = parseServiceChain(c.name);
    if (!k) continue;
    const service = chainService.get(c.name);
    const destination = k.kind === "sep" ? firstDnat(c, family) : undefined;
    const ladder = k.kind === "svc" || k.kind === "svl" || k.kind === "xlb" ? ladderOf(c) : undefined;
    chains.set(c.name, {
      name: c.name,
      kind: k.kind,
      hash: k.hash,
      chain: c,
      referenced: referenced.has(c.name),
      reachable: reachable.has(c.name),
      ...(service !== undefined ? { service } : {}),
      ...(destination !== undefined ? { destination } : {}),
      ...(ladder ? { ladder } : {}),
    });
  }
  return chains;
}

/** Weights, affinity, traffic policies and source ranges of a service port, from its chains. */
function describeService(s: Draft, chains: ReadonlyMap<string, ServiceChain>, natChains: ReadonlyMap<string, Chain>, family: Family): void {
  const proto = s.frontendRules.find((f) => f.proto !== undefined)?.proto;
  if (proto !== undefined) s.proto = proto;
  for (const f of s.frontendRules) {
    const local = f.fact === "has no local endpoints";
    if (f.table === "nat" && f.chain === "KUBE-SERVICES" && f.via === "cluster IP" && f.target !== undefined && parseServiceChain(f.target)?.kind === "svl") s.internalPolicy = "Local";
    if (f.table === "filter" && f.chain === "KUBE-SERVICES" && local) s.internalPolicy = "Local";
    if (f.table === "filter" && f.chain === "KUBE-EXTERNAL-SERVICES" && local) s.externalPolicy = "Local";
  }
  if (s.hash === undefined) return;
  const chain = (kind: ServiceChainKind) => natChains.get(serviceChainName(kind, s.hash!));
  const ladder = (chains.get(serviceChainName("svc", s.hash)) ?? chains.get(serviceChainName("svl", s.hash)))?.ladder;
  for (const step of ladder?.steps ?? []) {
    const ep = firstDnat(natChains.get(step.chain), family) ?? step.chain;
    s.weights.set(ep, (s.weights.get(ep) ?? 0) + step.share);
  }
  if (ladder?.affinity !== undefined) s.affinity = ladder.affinity;
  const ext = chain("ext");
  if (ext) s.externalPolicy = ext.rules.some((r) => jumpTarget(r)?.startsWith("KUBE-SVL-") || hasAddrtypeLocal(r, "src")) ? "Local" : "Cluster";
  else if (chain("xlb")) s.externalPolicy = "Local";
  else if (s.frontendRules.some((f) => f.via !== "cluster IP")) s.externalPolicy ??= "Cluster";
  for (const r of chain("fw")?.rules ?? []) {
    if (!r.source || r.source.negated || !jumpTarget(r)) continue;
    const n = r.source.net;
    s.sourceRanges.add(`${formatAddr({ family, value: n.addr })}/${n.prefixLen ?? "?"}`);
  }
}

/** Endpoint chains reachable from a chain through per-service chains (KUBE-EXT → KUBE-SVC → KUBE-SEP …). */
export function reachableEndpoints(cat: Catalogue, from: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.startsWith("KUBE-SEP-")) {
      if (cat.natChains.has(n)) out.add(n);
      continue;
    }
    for (const r of cat.natChains.get(n)?.rules ?? []) {
      const t = jumpTarget(r);
      if (t && (t.startsWith("KUBE-SEP-") || parseServiceChain(t))) stack.push(t);
    }
  }
  return out;
}

/**
 * The frontends a packet addresses: `exact` match address, protocol and port (a node port matches any
 * local destination); `sameAddress` are the other frontends at the packet's destination address.
 */
export function frontendsFor(
  cat: Catalogue,
  dst: IpAddr,
  proto: number,
  dport: number | undefined,
  dstIsLocal: boolean,
): { exact: Frontend[]; sameAddress: Frontend[] } {
  const exact: Frontend[] = [];
  const sameAddress: Frontend[] = [];
  for (const f of cat.frontendsByAddr.get(dst.value) ?? []) {
    if (f.addr?.family !== dst.family) continue;
    if (f.proto === proto && f.port === dport) exact.push(f);
    else sameAddress.push(f);
  }
  if (dstIsLocal && dport !== undefined)
    for (const f of cat.frontendsByAddr.get(undefined) ?? []) if (f.proto === proto && f.port === dport) exact.push(f);
  return { exact: dedupe(exact), sameAddress: dedupe(sameAddress) };
}

function dedupe(fs: Frontend[]): Frontend[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.service}|${f.via}|${f.proto}|${f.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
