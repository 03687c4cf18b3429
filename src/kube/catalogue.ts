/**
 * The services a dump implements, recovered from kube-proxy's comments and chain structure: each
 * service port (`namespace/name:port`), its frontends (cluster IP, external IPs, load-balancer IPs and
 * node port, with protocol and port) and its endpoints (the KUBE-SEP chains' DNAT destinations).
 *
 * Comment shapes read (pkg/proxy/iptables/proxier.go, current and pre-1.24 generations):
 *   nat KUBE-SERVICES     "ns/svc:port cluster IP" | "… external IP" | "… loadbalancer IP"
 *   nat KUBE-NODEPORTS    "ns/svc:port"  (with --dport NODEPORT)
 *   nat KUBE-SVC-*        "ns/svc:port -> 10.244.1.5:8080"
 *   nat KUBE-SEP-*        "ns/svc:port"  (then DNAT --to-destination)
 *   filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES  "ns/svc:port has no endpoints" (REJECT),
 *                                                  "… has no local endpoints" (DROP)
 *   filter KUBE-PROXY-FIREWALL "ns/svc:port traffic not accepted by KUBE-FW-…"
 */
import type { IpAddr } from "../net/addr.js";
import type { Rule, Ruleset, Table } from "../model/ast.js";
import { isServiceChain, kubeChainKind } from "./chains.js";

export type ServiceVia = "cluster IP" | "external IP" | "loadbalancer IP" | "nodePort" | "external address";

export interface ServicePortName {
  /** `namespace/name:port` (or `namespace/name` for an unnamed port), as kube-proxy writes it. */
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly port?: string;
}

/** One way in to a service port. */
export interface Frontend {
  readonly service: string;
  readonly via: ServiceVia;
  /** The address (undefined for a node port: any local address). */
  readonly addr?: IpAddr;
  readonly proto: number;
  readonly port: number;
  /** The rule that names it. */
  readonly table: string;
  readonly chain: string;
  readonly index: number;
  readonly line: number;
}

export interface Endpoint {
  readonly addr: IpAddr;
  readonly port?: number;
  /** The KUBE-SEP chain. */
  readonly chain: string;
}

export interface ServicePort extends ServicePortName {
  readonly frontends: Frontend[];
  readonly endpoints: Endpoint[];
  /** Service chains seen for it (KUBE-SVC/SVL/EXT/FW/XLB/SEP). */
  readonly chains: Set<string>;
  /** Facts from filter comments: "has no endpoints", "has no local endpoints". */
  readonly facts: Set<string>;
}

export interface Catalogue {
  readonly services: ReadonlyMap<string, ServicePort>;
  /** Service port of each per-service chain (nat). */
  readonly chainService: ReadonlyMap<string, string>;
  /** Frontends by the rule that names them: `table/chain/index`. */
  readonly frontendByRule: ReadonlyMap<string, Frontend>;
  /** Frontends by address value (node ports under `undefined`). */
  readonly frontendsByAddr: ReadonlyMap<bigint | undefined, readonly Frontend[]>;
}

const NAME = /(?:^|\s)([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?::([a-z0-9]([-a-z0-9]*[a-z0-9])?))?(?=$|\s)/;

const VIA_ORDER: readonly ServiceVia[] = ["cluster IP", "external IP", "loadbalancer IP", "nodePort", "external address"];

/** The service port name a kube-proxy comment mentions, if any. */
export function servicePortName(comment: string): ServicePortName | undefined {
  const m = NAME.exec(comment);
  if (!m) return undefined;
  const namespace = m[1]!;
  const service = m[3]!;
  const port = m[5];
  return { name: `${namespace}/${service}${port !== undefined ? `:${port}` : ""}`, namespace, service, ...(port !== undefined ? { port } : {}) };
}

/** The text of a rule's `-m comment` (the first one), or undefined. */
export function ruleComment(r: Rule): string | undefined {
  for (const m of r.matches) if (m.kind === "match" && m.module === "comment") return (m as { comment: string }).comment;
  return undefined;
}

/** `--dport N` of the rule's protocol match, when it is a single port. */
function singleDport(r: Rule): number | undefined {
  for (const m of r.matches) {
    if (m.kind !== "match") continue;
    const d = (m as { dport?: { negated: boolean; range: { lo: number; hi: number } } }).dport;
    if (d && !d.negated && d.range.lo === d.range.hi) return d.range.lo;
  }
  return undefined;
}

function hostDst(r: Rule): IpAddr | undefined {
  const d = r.destination;
  if (!d || d.negated) return undefined;
  const full = d.net.family === 4 ? 32 : 128;
  return d.net.prefixLen === full ? { family: d.net.family, value: d.net.addr } : undefined;
}

function hasDstTypeLocal(r: Rule): boolean {
  return r.matches.some((m) => m.kind === "match" && m.module === "addrtype" && (m as { dst?: { negated: boolean; types: readonly string[] } }).dst?.types.includes("LOCAL") === true);
}

function viaOfComment(comment: string): ServiceVia | undefined {
  if (/ cluster IP$/.test(comment)) return "cluster IP";
  if (/ external IP$/.test(comment)) return "external IP";
  if (/ loadbalancer IP$/.test(comment)) return "loadbalancer IP";
  return undefined;
}

/** Build the catalogue of a rule set (empty when it holds no kube-proxy rules). */
export function buildCatalogue(rs: Ruleset): Catalogue {
  const services = new Map<string, ServicePort>();
  const chainService = new Map<string, string>();
  const frontendByRule = new Map<string, Frontend>();
  const frontendsByAddr = new Map<bigint | undefined, Frontend[]>();
  const seen = new Set<string>();

  const svc = (n: ServicePortName): ServicePort => {
    let s = services.get(n.name);
    if (!s) services.set(n.name, (s = { ...n, frontends: [], endpoints: [], chains: new Set(), facts: new Set() }));
    return s;
  };
  const addFrontend = (s: ServicePort, f: Frontend) => {
    frontendByRule.set(`${f.table}/${f.chain}/${f.index}`, f);
    // The same frontend often has several rules (legacy masquerade rules, localhost node ports, filter
    // rules restating a nat one): the first wins, and nat is scanned first for its exact wording.
    const k = `${f.addr?.value ?? "node"}|${f.proto}|${f.port}|${s.name}`;
    if (seen.has(k)) return;
    seen.add(k);
    s.frontends.push(f);
    const list = frontendsByAddr.get(f.addr?.value) ?? [];
    list.push(f);
    frontendsByAddr.set(f.addr?.value, list);
  };

  const scan = (t: Table) => {
    for (const c of t.chains) {
      const ckind = kubeChainKind(c.name);
      c.rules.forEach((r, i) => {
        const comment = ruleComment(r);
        const name = comment !== undefined ? servicePortName(comment) : undefined;
        const target = r.target?.kind === "jump" ? r.target.chain : undefined;
        const tkind = target !== undefined ? kubeChainKind(target) : undefined;
        if (!name) return;
        const s = svc(name);
        const at = { table: t.name, chain: c.name, index: i + 1, line: r.loc.line };
        if (t.name === "nat" && isServiceChain(ckind)) {
          s.chains.add(c.name);
          chainService.set(c.name, s.name);
        }
        if (t.name === "nat" && target !== undefined && (isServiceChain(tkind) || tkind === "sep")) {
          s.chains.add(target);
          chainService.set(target, s.name);
        }
        const proto = r.protocol && !r.protocol.negated ? r.protocol.number : undefined;
        const port = singleDport(r);
        const addr = hostDst(r);
        if (t.name === "nat" && c.name === "KUBE-SERVICES" && comment !== undefined && addr && proto !== undefined && port !== undefined) {
          const via = viaOfComment(comment);
          if (via) addFrontend(s, { service: s.name, via, addr, proto, port, ...at });
        }
        if (t.name === "nat" && ckind === "nodeports" && proto !== undefined && port !== undefined)
          addFrontend(s, { service: s.name, via: "nodePort", proto, port, ...at });
        if (t.name === "nat" && ckind === "sep" && r.target?.kind === "target" && r.target.name === "DNAT") {
          const to = (r.target as { to?: { minAddr?: IpAddr; minPort?: number } }).to;
          if (to?.minAddr && !s.endpoints.some((e) => e.chain === c.name))
            s.endpoints.push({ addr: to.minAddr, ...(to.minPort !== undefined ? { port: to.minPort } : {}), chain: c.name });
          chainService.set(c.name, s.name);
        }
        if (t.name === "filter" && comment !== undefined) {
          const fact = / has no local endpoints$/.test(comment) ? "has no local endpoints" : / has no endpoints$/.test(comment) ? "has no endpoints" : undefined;
          if (fact) s.facts.add(fact);
          if (fact && proto !== undefined && port !== undefined && (ckind === "services" || ckind === "external-services")) {
            if (addr) addFrontend(s, { service: s.name, via: ckind === "services" ? "cluster IP" : "external address", addr, proto, port, ...at });
            else if (hasDstTypeLocal(r)) addFrontend(s, { service: s.name, via: "nodePort", proto, port, ...at });
          }
          if (ckind === "proxy-firewall" && addr && proto !== undefined && port !== undefined)
            addFrontend(s, { service: s.name, via: "loadbalancer IP", addr, proto, port, ...at });
        }
      });
    }
  };
  for (const t of rs.tables) if (t.name === "nat") scan(t);
  for (const t of rs.tables) if (t.name === "filter") scan(t);
  for (const s of services.values()) s.frontends.sort((a, b) => VIA_ORDER.indexOf(a.via) - VIA_ORDER.indexOf(b.via));
  return { services, chainService, frontendByRule, frontendsByAddr };
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
