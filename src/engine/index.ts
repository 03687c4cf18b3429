/**
 * The engine: what the kernel does with one packet, on the parser's typed AST.
 *
 * Design note
 * -----------
 * Pipeline. Hooks and tables run in netfilter's order, with routing between them (./pipeline.ts);
 * chains follow ipt_do_table's semantics (./walk.ts). Matches and targets are evaluated by their
 * extension files (`evaluate`); the engine knows nothing of kube-proxy: masquerading, for instance,
 * falls out of the mark that KUBE-MARK-MASQ sets in PREROUTING persisting until KUBE-POSTROUTING tests it.
 *
 * Outcomes. A packet can end in several ways because some conditions cannot be decided from the dump:
 * - `statistic` (random, nth) splits a path into "matched" with probability p and "not matched" with
 *   1 - p. An outcome's `probability` is the product along its path, so each endpoint of a kube-proxy
 *   ladder gets its exact share (the kernel's fixed-point probability, not the printed decimal);
 * - a condition on state the dump does not hold (`recent` lists, ipsets, sockets, unmodelled modules)
 *   is an assumption: the path splits into a world where it holds and one where it does not, each
 *   outcome listing the assumptions it depends on (`{key, holds, text}`). The same key always gets the
 *   same answer on one path. `EvaluateOptions.assume` fixes answers in advance (no split; the outcome
 *   still lists the assumption, with `given: true`).
 * Probabilities relate as follows: for every complete assignment of the assumption keys, the outcomes
 * whose assumptions agree with it have probabilities summing to 1. In particular, when every path asked
 * the same questions, outcomes with the same assumptions sum to 1; in a kube-proxy session-affinity
 * ladder the "no previous state" world (every `recent` check misses) sums to 1 on its own.
 * Outcomes equal in everything observable (verdict, delivery, final packet, NAT, decision, assumptions)
 * are merged, probabilities added; the merged paths' traces stay available in `alternatives`.
 *
 * Trace. `trace` lists, in evaluation order, every rule whose conditions all matched (including
 * non-terminating ones: MARK, LOG, comment-only rules) as {table, hook, chain, index, line}, and one
 * {table, hook, chain, policy} each time the policy of a built-in chain present in the dump decided: the
 * rules and policies whose kernel packet counters this packet increments.
 *
 * Indexing. `compile` builds, once, per-chain indexes on exact destination/protocol/port keys
 * (./compile.ts) so that a packet to one service does not scan all of KUBE-SERVICES; the same index lists
 * the rules that could be near misses. Repeated identical state/address-type conditions share their
 * last answer per packet. The iterative indexed walker and the recursive sequential reference walker
 * (`evaluateSequential`) must agree exactly, near misses included; a property test checks it on
 * generated kube-proxy rule sets and adversarial chains. Verbose mode (every rule tested and failed)
 * walks without the index.
 *
 * Not modelled: REJECT/ICMP replies as packets, policy routing, the NAT of established connections,
 * port selection of NAT ranges (the lowest address/port is shown), br_netfilter beyond the flags given.
 *
 * @example
 * const rs = parseRuleset(dumpText).value;
 * const engine = compile(rs, makeNodeContext({ localAddresses: [{ addr: parseAddr("192.0.2.10")! }] }));
 * const r = engine.evaluate({ src: parseAddr("203.0.113.7")!, dst: parseAddr("10.96.0.10")!, proto: 17, sport: 40000, dport: 53 });
 * r.outcomes.map((o) => [o.probability, o.verdict, formatAddr(o.packet.dst)]); // [[0.5, "ACCEPT", "10.244.1.5"], …]
 */
import type { Ruleset } from "../model/ast.js";
import { compileRuleset, type CompiledRuleset } from "./compile.js";
import { NodeFacts } from "./context.js";
import { makePacket } from "./packet.js";
import { runPipeline, toOutcome } from "./pipeline.js";
import { walkTableSequential } from "./reference.js";
import { PathState, type TableWalker, type WalkContext } from "./step.js";
import type { EngineDiagnostic, EvaluateOptions, Evaluation, NearMiss, NodeContext, Outcome, PacketSpec } from "./types.js";
import { walkTable } from "./walk.js";

export * from "./types.js";
export { makeNodeContext, parseRoute, parseLocalAddress, isLocalAddress, routeLookup, addrTypes, formatRoute } from "./context.js";
export type { NodeContextInput } from "./context.js";
export { makePacket, PORT_PROTOCOLS } from "./packet.js";

export const DEFAULT_MAX_PATHS = 4096;

export interface Engine {
  readonly ruleset: Ruleset;
  readonly context: NodeContext;
  /** Evaluate one packet (indexed; verbose or near-miss mode walks sequentially to see every rule). */
  evaluate(spec: PacketSpec, opts?: EvaluateOptions): Evaluation;
}

export interface CompileOptions {
  /** Build chain indexes (default true). */
  readonly index?: boolean;
}

/**
 * Prepare a rule set for evaluation: compiled conditions and chain indexes, built once.
 *
 * @example
 * const engine = compile(ruleset, makeNodeContext({ routes: [parseRoute("10.244.0.0/16=cni0") as Route] }));
 * for (const spec of packets) console.log(engine.evaluate(spec).outcomes.length);
 */
export function compile(ruleset: Ruleset, context: NodeContext, opts: CompileOptions = {}): Engine {
  const compiled = compileRuleset(ruleset, opts.index !== false);
  const node = new NodeFacts(context);
  return {
    ruleset,
    context,
    evaluate(spec, eo = {}) {
      // Verbose mode must see every rule tested: it walks without the index. (Near-miss mode keeps it:
      // the index also lists the rules that could fail on one condition only.)
      return evaluateWith(compiled, node, spec, eo, walkTable, eo.verbose !== true);
    },
  };
}

/**
 * The reference: the recursive walker over every rule in order, no index. Same results as
 * `compile(…).evaluate` (property-tested); slow on large rule sets.
 */
export function evaluateSequential(ruleset: Ruleset, context: NodeContext, spec: PacketSpec, opts: EvaluateOptions = {}): Evaluation {
  return evaluateWith(compileRuleset(ruleset, false), new NodeFacts(context), spec, opts, walkTableSequential, false);
}

function evaluateWith(
  compiled: CompiledRuleset,
  node: NodeFacts,
  spec: PacketSpec,
  opts: EvaluateOptions,
  walker: TableWalker,
  useIndex: boolean,
): Evaluation {
  const context = node.ctx;
  const { packet, origin } = makePacket(spec, context);
  const diagnostics: EngineDiagnostic[] = [];
  const notes: string[] = [];
  if (packet.family !== compiled.family || spec.dst.family !== packet.family) {
    diagnostics.push({ code: "family-mismatch", severity: "error", message: `the packet is IPv${packet.family} (or mixes families) but the rule set is IPv${compiled.family}` });
    return { packet, origin, outcomes: [], diagnostics, notes };
  }
  const w = new Walk(compiled, node, useIndex, opts, diagnostics);
  if (context.localAddresses.length === 0)
    notes.push("no node addresses given (--node-ip): only 127.0.0.0/8 and ::1 count as local (addrtype LOCAL, routing to INPUT)");
  const run = runPipeline(w, walker, origin, packet, new PathState(packet));
  notes.push(...run.notes);
  const outcomes = mergeOutcomes(run.finished.map((f) => toOutcome(f, w)));
  return { packet, origin, outcomes, diagnostics, notes };
}

const NO_ASSUME = (): undefined => undefined;

/** One evaluation's walk settings and budget (a class: no closures made per packet). */
class Walk implements WalkContext {
  readonly verbose: boolean;
  readonly nearMisses: boolean;
  readonly assume: (key: string) => boolean | undefined;
  readonly paths: { count: number; readonly max: number };

  constructor(
    readonly compiled: CompiledRuleset,
    readonly node: NodeFacts,
    readonly useIndex: boolean,
    opts: EvaluateOptions,
    private readonly diagnostics: EngineDiagnostic[],
  ) {
    this.verbose = opts.verbose === true;
    this.nearMisses = opts.nearMisses === true;
    const a = opts.assume;
    this.assume = typeof a === "function" ? a : a ? (k) => a[k] : NO_ASSUME;
    this.paths = { count: 1, max: opts.maxPaths ?? DEFAULT_MAX_PATHS };
  }

  diag(d: EngineDiagnostic): void {
    if (!this.diagnostics.some((x) => x.code === d.code && x.line === d.line && x.message === d.message)) this.diagnostics.push(d);
  }
}

function unionNearMisses(a: readonly NearMiss[], b: readonly NearMiss[]): NearMiss[] {
  const key = (n: NearMiss) => `${n.table}/${n.hook}/${n.chain}/${n.index}`;
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((n) => !seen.has(key(n)))];
}

/**
 * Whether two outcomes decided by the same rule are the same for the reader: everything but the path
 * that led there (verdict, delivery, final packet, NAT, assumptions).
 */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.verdict !== b.verdict || a.rejectWith !== b.rejectWith || a.delivery !== b.delivery || a.outIface !== b.outIface) return false;
  const p = a.packet;
  const q = b.packet;
  if (
    p.src.value !== q.src.value ||
    p.sport !== q.sport ||
    p.dst.value !== q.dst.value ||
    p.dport !== q.dport ||
    p.proto !== q.proto ||
    p.mark !== q.mark ||
    p.connmark !== q.connmark ||
    p.ctState !== q.ctState ||
    p.ctDnat !== q.ctDnat ||
    p.ctSnat !== q.ctSnat ||
    p.inIface !== q.inIface ||
    p.outIface !== q.outIface
  )
    return false;
  if (a.nat.length !== b.nat.length) return false;
  for (let i = 0; i < a.nat.length; i++) {
    const m = a.nat[i]!;
    const n = b.nat[i]!;
    if (m.kind !== n.kind || m.table !== n.table || m.chain !== n.chain || m.index !== n.index) return false;
    if (m.after.src.value !== n.after.src.value || m.after.sport !== n.after.sport || m.after.dst.value !== n.after.dst.value || m.after.dport !== n.after.dport)
      return false;
  }
  // Assumptions: the same answers to the same questions, in any order.
  if (a.assumptions.length !== b.assumptions.length) return false;
  for (const x of a.assumptions) if (!b.assumptions.some((y) => y.key === x.key && y.holds === x.holds)) return false;
  return true;
}

/** Whether no two outcomes share a decision (quadratic: for the short lists most packets have). */
function allDistinct(list: readonly Outcome[]): boolean {
  for (let i = 1; i < list.length; i++) for (let j = 0; j < i; j++) if (list[i]!.decision === list[j]!.decision) return false;
  return true;
}

/** Merge outcomes equal in everything but their path, adding probabilities; order of first appearance. */
export function mergeOutcomes(list: readonly Outcome[]): Outcome[] {
  if (list.length < 2) return [...list];
  // Outcomes decided by different rules can never merge: compare only within those groups.
  // (Decision records are shared per rule and hook, so identity tells them apart.)
  if (list.length <= 16 && allDistinct(list)) return [...list];
  const groups = new Map<Outcome["decision"], number[]>();
  const out: Outcome[] = [];
  for (const o of list) {
    let group = groups.get(o.decision);
    if (!group) groups.set(o.decision, (group = []));
    let at = -1;
    for (const i of group)
      if (sameOutcome(out[i]!, o)) {
        at = i;
        break;
      }
    if (at < 0) {
      group.push(out.length);
      out.push(o);
      continue;
    }
    const prev = out[at]!;
    out[at] = {
      ...prev,
      probability: prev.probability + o.probability,
      alternatives: [...(prev.alternatives ?? [{ probability: prev.probability, trace: prev.trace }]), { probability: o.probability, trace: o.trace }],
      notes: [...prev.notes, ...o.notes.filter((n) => !prev.notes.includes(n))],
      ...(prev.nearMisses || o.nearMisses ? { nearMisses: unionNearMisses(prev.nearMisses ?? [], o.nearMisses ?? []) } : {}),
    };
  }
  return out;
}
