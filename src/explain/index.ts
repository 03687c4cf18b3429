/**
 * `explain`: what the kernel does with one packet, told in Kubernetes terms.
 *
 * Design note
 * -----------
 * The engine (src/engine) answers with outcomes: probability, verdict, the packet after NAT, the trace
 * of matched rules. This layer adds what kube-proxy's rules mean (src/kube): the service port the packet
 * addresses and through which frontend (cluster IP, node port, external IP, load-balancer IP), the
 * endpoint each outcome reaches, and, when nothing translated the packet, the near misses: rules that
 * would have matched but for one condition.
 *
 * Probabilities and assumptions, as the engine defines them: a `statistic` branch multiplies the path's
 * probability; an undecidable condition (a `recent` list, an ipset, an unmodelled match) splits the
 * world instead, and every outcome lists the assumptions it depends on. For every full assignment of
 * the assumption keys, the outcomes consistent with it (whose assumptions agree with it) sum to 1; when
 * every path asked the same questions, that is simply "outcomes with the same assumptions sum to 1".
 * For session affinity, the world where every `recent` check misses is "no previous state": a first
 * connection. `assume` (from `--assume-recent`, `--assume`) fixes answers instead of splitting.
 *
 * The JSON form (`ExplainJson`, documented by docs/schemas/explain.schema.json) is the stable output;
 * the text form is rendered from it (./text.ts). Bump EXPLAIN_SCHEMA_VERSION on incompatible changes.
 */
import { formatAddr, type IpAddr } from "../net/addr.js";
import { protoName, type Packet } from "../net/packet.js";
import type { Rule, Ruleset } from "../model/ast.js";
import type { StepTarget } from "./text.js";
import {
  compile,
  isLocalAddress,
  isPolicyStep,
  type Assumption,
  type Engine,
  type EvaluateOptions,
  type Evaluation,
  type NearMiss,
  type NodeContext,
  type Origin,
  type Outcome,
  type PacketSpec,
  type Verdict,
} from "../engine/index.js";
import { buildCatalogue, endpointOf, frontendsFor, serviceOfTrace, type Catalogue, type Frontend, type ServiceHit, type ServiceVia } from "../kube/index.js";

export const EXPLAIN_SCHEMA_VERSION = 1;

export interface JsonPacket {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** Protocol name as iptables prints it (`tcp`, `udp`, `icmp`, `ipv6-icmp`, or the number). */
  readonly proto: string;
  readonly protoNumber: number;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
  /** `0x…` */
  readonly mark: string;
  readonly ctstate: string;
  /** Conntrack has recorded DNAT/SNAT for the connection (`--ctstate DNAT/SNAT`). */
  readonly ctDnat: boolean;
  readonly ctSnat: boolean;
  readonly inIface: string | null;
  readonly outIface: string | null;
}

export interface JsonService {
  /** `namespace/name:port`. */
  readonly name: string;
  readonly via: ServiceVia;
  /** The frontend address (null for a node port). */
  readonly address: string | null;
  readonly proto: string;
  readonly port: number;
}

export interface JsonRuleStep {
  readonly table: string;
  readonly hook: string;
  readonly chain: string;
  /** 1-based position in the chain (`iptables -L --line-numbers`). */
  readonly index: number;
  readonly line: number;
}

export type JsonTraceStep = JsonRuleStep | { readonly table: string; readonly hook: string; readonly chain: string; readonly policy: string };

export interface JsonNat {
  readonly kind: string;
  readonly table: string;
  readonly hook: string;
  readonly chain: string;
  readonly index: number;
  readonly line: number;
  readonly detail: string;
  /** `ip:port` (`[ip]:port` for IPv6; no port for portless protocols) before and after. */
  readonly fromSource: string;
  readonly toSource: string;
  readonly fromDestination: string;
  readonly toDestination: string;
}

export interface JsonDecision {
  readonly table: string;
  readonly hook: string;
  readonly chain: string;
  readonly index: number | null;
  readonly line: number | null;
  readonly policy: string | null;
  readonly action: string;
}

export interface JsonOutcome {
  readonly probability: number;
  readonly verdict: Verdict;
  readonly rejectWith: string | null;
  readonly delivery: "local" | "forward" | "output" | "none";
  readonly outIface: string | null;
  readonly packet: JsonPacket;
  /** Whether SNAT/MASQUERADE replaced the source (false: the source IP is kept). */
  readonly masquerade: boolean;
  readonly nat: readonly JsonNat[];
  /** The chain of the rule (or policy) that decided; for ACCEPT the DNAT rule's (the KUBE-SEP chain). */
  readonly terminatingChain: string | null;
  readonly terminatedBy: JsonDecision | null;
  readonly service: JsonService | null;
  /** `ip:port` the packet was translated to by a KUBE-SEP chain. */
  readonly endpoint: string | null;
  readonly assumptions: readonly Assumption[];
  readonly trace: readonly JsonTraceStep[];
  readonly failed?: readonly (JsonRuleStep & { readonly failed: string })[];
  readonly notes: readonly string[];
  readonly alternatives?: readonly { readonly probability: number; readonly trace: readonly JsonTraceStep[] }[];
}

export interface JsonNearMiss {
  readonly table: string;
  readonly hook: string;
  readonly chain: string;
  readonly index: number;
  readonly line: number;
  readonly condition: string;
  readonly target: string;
}

export interface ExplainJson {
  readonly schemaVersion: number;
  readonly packet: JsonPacket;
  readonly from: Origin;
  /** The service port the packet addresses (by its destination, protocol and port), if any. */
  readonly service: JsonService | null;
  /** Other service frontends at the destination address (other ports or protocols). */
  readonly otherServicesAtAddress: readonly JsonService[];
  /** Whether some outcome's destination was translated (DNAT/REDIRECT). */
  readonly translated: boolean;
  readonly outcomes: readonly JsonOutcome[];
  /** When nothing translated the packet: rules that would have matched but for one condition. */
  readonly nearMisses: readonly JsonNearMiss[];
  readonly notes: readonly string[];
  readonly diagnostics: readonly { readonly code: string; readonly severity: string; readonly message: string; readonly line?: number; readonly column?: number }[];
}

// ---- Conversion ------------------------------------------------------------------------------------

export function addrPort(a: IpAddr, port: number | undefined): string {
  const ip = formatAddr(a);
  if (port === undefined) return ip;
  return a.family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function jsonPacket(p: Packet): JsonPacket {
  return {
    family: p.family,
    src: formatAddr(p.src),
    dst: formatAddr(p.dst),
    proto: protoName(p.proto),
    protoNumber: p.proto,
    sport: p.sport ?? null,
    dport: p.dport ?? null,
    icmpType: p.icmpType ?? null,
    icmpCode: p.icmpCode ?? null,
    mark: "0x" + (p.mark >>> 0).toString(16),
    ctstate: p.ctState,
    ctDnat: p.ctDnat,
    ctSnat: p.ctSnat,
    inIface: p.inIface ?? null,
    outIface: p.outIface ?? null,
  };
}

function jsonService(f: ServiceHit | Frontend): JsonService {
  return { name: "service" in f ? f.service : f.name, via: f.via, address: f.addr ? formatAddr(f.addr) : null, proto: protoName(f.proto), port: f.port };
}

function jsonTrace(steps: Outcome["trace"]): JsonTraceStep[] {
  return steps.map((s) =>
    isPolicyStep(s)
      ? { table: s.table, hook: s.hook, chain: s.chain, policy: s.policy }
      : { table: s.table, hook: s.hook, chain: s.chain, index: s.index, line: s.line },
  );
}

export function jsonOutcome(o: Outcome, cat: Catalogue): JsonOutcome {
  const service = serviceOfTrace(cat, o.trace);
  const ep = endpointOf(o);
  const d = o.decision;
  return {
    probability: o.probability,
    verdict: o.verdict,
    rejectWith: o.rejectWith ?? null,
    delivery: o.delivery,
    outIface: o.outIface ?? null,
    packet: jsonPacket(o.packet),
    masquerade: o.masquerade,
    nat: o.nat.map((n) => ({
      kind: n.kind,
      table: n.table,
      hook: n.hook,
      chain: n.chain,
      index: n.index,
      line: n.line,
      detail: n.detail,
      fromSource: addrPort(n.before.src, n.before.sport),
      toSource: addrPort(n.after.src, n.after.sport),
      fromDestination: addrPort(n.before.dst, n.before.dport),
      toDestination: addrPort(n.after.dst, n.after.dport),
    })),
    terminatingChain: d?.chain ?? null,
    terminatedBy: d
      ? {
          table: d.table,
          hook: d.hook,
          chain: d.chain,
          index: "index" in d ? d.index : null,
          line: "line" in d ? d.line : null,
          policy: "policy" in d ? d.policy : null,
          action: d.action,
        }
      : null,
    service: service ? jsonService(service) : null,
    endpoint: ep ? addrPort(ep.addr, ep.port) : null,
    assumptions: o.assumptions,
    trace: jsonTrace(o.trace),
    ...(o.failed ? { failed: o.failed.map((f) => ({ table: f.table, hook: f.hook, chain: f.chain, index: f.index, line: f.line, failed: f.failed })) } : {}),
    notes: o.notes,
    ...(o.alternatives ? { alternatives: o.alternatives.map((a) => ({ probability: a.probability, trace: jsonTrace(a.trace) })) } : {}),
  };
}

function translated(o: Outcome): boolean {
  return o.nat.some((n) => n.kind === "DNAT" || n.kind === "REDIRECT");
}

function nearMissesOf(outcomes: readonly Outcome[]): JsonNearMiss[] {
  const seen = new Set<string>();
  const out: JsonNearMiss[] = [];
  for (const o of outcomes)
    for (const n of o.nearMisses ?? ([] as NearMiss[])) {
      const k = `${n.table}/${n.chain}/${n.index}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ table: n.table, hook: n.hook, chain: n.chain, index: n.index, line: n.line, condition: n.condition, target: n.target });
    }
  return out;
}

// ---- The explainer ------------------------------------------------------------------------------------

export interface ExplainOptions {
  /** Add the rules tested that failed to each outcome. */
  readonly verbose?: boolean;
  readonly assume?: EvaluateOptions["assume"];
  readonly maxPaths?: number;
}

/**
 * A compiled rule set with its service catalogue, ready for many packets.
 *
 * @example
 * const ex = new Explainer(ruleset, context);
 * const result = ex.explain({ src: parseAddr("10.244.1.5")!, dst: parseAddr("10.96.0.10")!, proto: 17, dport: 53, from: "pod" });
 * result.outcomes.map((o) => `${o.probability} ${o.endpoint}`); // ["0.5 10.244.0.2:53", "0.5 10.244.0.3:53"]
 */
export class Explainer {
  readonly engine: Engine;
  readonly catalogue: Catalogue;

  constructor(
    readonly ruleset: Ruleset,
    readonly context: NodeContext,
  ) {
    this.engine = compile(ruleset, context);
    this.catalogue = buildCatalogue(ruleset);
  }

  /**
   * Explain one packet. The indexed walk runs first; when nothing translated the packet (or in verbose
   * mode) the walk is repeated without the index to collect near misses (and failed rules).
   */
  explain(spec: PacketSpec, opts: ExplainOptions = {}): ExplainJson {
    const base: EvaluateOptions = { ...(opts.assume ? { assume: opts.assume } : {}), ...(opts.maxPaths !== undefined ? { maxPaths: opts.maxPaths } : {}) };
    let ev: Evaluation = this.engine.evaluate(spec, { ...base, verbose: opts.verbose === true });
    const isTranslated = ev.outcomes.some(translated);
    if (!isTranslated && ev.outcomes.length > 0) ev = this.engine.evaluate(spec, { ...base, verbose: opts.verbose === true, nearMisses: true });
    return this.toJson(ev, isTranslated);
  }

  private toJson(ev: Evaluation, isTranslated: boolean): ExplainJson {
    const p = ev.packet;
    const f = frontendsFor(this.catalogue, p.dst, p.proto, p.dport, isLocalAddress(this.context, p.dst));
    const outcomes = ev.outcomes.map((o) => jsonOutcome(o, this.catalogue));
    const traced = outcomes.find((o) => o.service !== null)?.service ?? null;
    return {
      schemaVersion: EXPLAIN_SCHEMA_VERSION,
      packet: jsonPacket(p),
      from: ev.origin,
      service: f.exact[0] ? jsonService(f.exact[0]) : traced,
      otherServicesAtAddress: f.sameAddress.map(jsonService),
      translated: isTranslated,
      outcomes,
      nearMisses: isTranslated ? [] : nearMissesOf(ev.outcomes),
      notes: ev.notes,
      diagnostics: ev.diagnostics,
    };
  }
}

/** The lookup `renderText` uses to show each trace step's target. */
export function ruleTargets(rs: Ruleset): (table: string, chain: string, index: number) => StepTarget | undefined {
  const chains = new Map<string, Rule[]>();
  for (const t of rs.tables) for (const c of t.chains) chains.set(`${t.name} ${c.name}`, c.rules);
  return (table, chain, index) => {
    const t = chains.get(`${table} ${chain}`)?.[index - 1]?.target;
    if (!t) return undefined;
    switch (t.kind) {
      case "jump":
        return { jump: t.chain, goto: t.goto };
      case "verdict":
        return { name: t.verdict };
      case "target":
      case "opaque-target":
        return { name: t.name };
    }
  };
}

export { renderText, type TextOptions, type StepTarget } from "./text.js";
export * from "./spec.js";
