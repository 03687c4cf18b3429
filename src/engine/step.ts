/**
 * One rule at a time, shared by the indexed walker (./walk.ts) and the sequential reference walker
 * (./reference.ts): the state a path carries, how undecidable conditions split a path, and what a
 * target does to the path.
 */
import { findTargetExtension } from "../extensions/index.js";
import type { EvalEnv, MatchEval } from "../extensions/types.js";
import type { Hook, TableName } from "../model/ast.js";
import { printTarget } from "../model/print.js";
import type { Packet } from "../net/packet.js";
import type { NodeFacts } from "./context.js";
import { packetOf } from "./packet.js";
import { CondKind, viewOf, type CChain, type CompiledRuleset, type CRule, type PacketView, type Where } from "./compile.js";
import type { Assumption, Decision, EngineDiagnostic, FailedStep, NatEndpoints, NatEvent, NearMiss, RuleStep, TraceStep } from "./types.js";

/** A persistent (shared-tail) list: branching a path copies nothing. Newest first. */
export type List<T> = { readonly head: T; readonly tail: List<T> } | null;

export function cons<T>(head: T, tail: List<T>): List<T> {
  return { head, tail };
}

export function listToArray<T>(l: List<T>): T[] {
  const out: T[] = [];
  for (let c = l; c; c = c.tail) out.push(c.head);
  return out.reverse();
}

/** How a table's traversal of a hook ended for one path. */
export type TableEnd =
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "reject"; readonly with: string }
  | { readonly kind: "queue" }
  | { readonly kind: "unknown"; readonly reason: string };

export const ACCEPT: TableEnd = { kind: "accept" };
const DROP: TableEnd = { kind: "drop" };

/**
 * What a path carries from hook to hook. One path owns its state and changes it in place; a branch
 * (statistic, assumption) clones it, which is cheap because the lists share their tails.
 */
export class PathState {
  prob = 1;
  /** Replaced, never mutated (clones share it). */
  assumptions: readonly Assumption[] = [];
  trace: List<TraceStep> = null;
  failed: List<FailedStep> = null;
  nat: List<NatEvent> = null;
  nearMisses: List<NearMiss> = null;
  notes: List<string> = null;
  /** The last DNAT/REDIRECT rule. */
  dnat: Decision | null = null;
  /** The last rule that accepted explicitly. */
  accept: Decision | null = null;
  /** The rule or policy that ended the packet's journey (DROP, REJECT, QUEUE, unknown). */
  end: Decision | null = null;
  /** How the last table walk ended for this path (set by the walkers on every path they hand back). */
  ended: TableEnd = ACCEPT;
  private viewed: PacketView | null = null;
  constructor(public packet: Packet) {}

  /** The packet's addresses as the compiled tests read them (made once per packet). */
  view(): PacketView {
    const v = this.viewed;
    if (v !== null && v.pkt === this.packet) return v;
    return (this.viewed = viewOf(this.packet));
  }

  clone(): PathState {
    const c = new PathState(this.packet);
    c.viewed = this.viewed;
    c.prob = this.prob;
    c.assumptions = this.assumptions;
    c.trace = this.trace;
    c.failed = this.failed;
    c.nat = this.nat;
    c.nearMisses = this.nearMisses;
    c.notes = this.notes;
    c.dnat = this.dnat;
    c.accept = this.accept;
    c.end = this.end;
    return c;
  }

  note(text: string): this {
    for (let c = this.notes; c; c = c.tail) if (c.head === text) return this;
    this.notes = cons(text, this.notes);
    return this;
  }

  assume(a: Assumption): void {
    this.assumptions = [...this.assumptions, a];
  }
}

export interface WalkContext {
  readonly compiled: CompiledRuleset;
  readonly node: NodeFacts;
  readonly useIndex: boolean;
  readonly verbose: boolean;
  readonly nearMisses: boolean;
  readonly assume: (key: string) => boolean | undefined;
  diag(d: EngineDiagnostic): void;
  /** Paths created so far and the most allowed (shared by all tables of one evaluation). */
  readonly paths: { count: number; readonly max: number };
}

/**
 * Walks one table's chains for one hook; both walkers have this shape. Every path that comes out is
 * appended to `out` with `ended` telling how the table ended for it.
 */
export type TableWalker = (w: WalkContext, table: TableName, hook: Hook, start: PathState, out: PathState[]) => void;

/** Longest jump nesting followed before the path is given up (the kernel's own limits are lower). */
export const MAX_DEPTH = 64;

export type { Where } from "./compile.js";

/** The trace step of a rule in a hook, made once per (rule, hook) and shared by every path. */
export function ruleStep(where: Where, cr: CRule): RuleStep {
  return ((cr.steps ??= [undefined, undefined, undefined, undefined, undefined])[where.hi] ??= { table: where.table, hook: where.hook, chain: where.chain, index: cr.index, line: cr.line });
}

// ---- Conditions ------------------------------------------------------------------------------------

export type Pending = Exclude<MatchEval, boolean>;

/** A world split off where a rule did not match: its path, why (for verbose output), whether it was cut. */
export interface Unmatched {
  readonly state: PathState;
  readonly why: () => string;
  readonly cut: boolean;
}

/**
 * All conditions of a rule: false as soon as one is false; true when all hold; otherwise the undecided
 * ones (random or unknown) in rule order. `failAt.i` tells which condition failed.
 */
export function testRule(cr: CRule, v: PacketView, env: EvalEnv, failAt?: { i: number }): boolean | Pending[] {
  let pending: Pending[] | null = null;
  const conds = cr.conds;
  for (let i = 0; i < conds.length; i++) {
    const r = conds[i]!.test(v, env);
    if (r === true) continue;
    if (r === false) {
      if (failAt) failAt.i = i;
      return false;
    }
    (pending ??= []).push(r);
  }
  return pending ?? true;
}

/** `!k` is answered as the negation of `k`; the assumption text of `!k` is "not: <text of k>". */
function normalizeKey(u: Extract<MatchEval, { kind: "unknown" }>): { key: string; text: string; inverted: boolean } {
  if (u.key.startsWith("!") && !u.key.includes(" & ")) {
    const text = u.assumption.startsWith("not: ") ? u.assumption.slice(5) : `not (${u.assumption})`;
    return { key: u.key.slice(1), text, inverted: true };
  }
  return { key: u.key, text: u.assumption, inverted: false };
}

function known(s: PathState, key: string): boolean | undefined {
  for (const a of s.assumptions) if (a.key === key) return a.holds;
  return undefined;
}

/**
 * Split a path on a rule's undecided conditions. Changes `s` into the path that goes on from this rule
 * and returns whether the rule matched on it (its probability multiplied, assumptions added). Every
 * other world (where the rule did not match) is appended to `unmatched` as a clone, with `cut` set when
 * the path budget is exhausted (the caller then ends that path as UNKNOWN instead of following it).
 */
export function splitPending(w: WalkContext, s: PathState, pending: readonly Pending[], unmatched: Unmatched[]): boolean {
  for (const u of pending) {
    if (u.kind === "random") {
      const p = u.probability;
      if (p >= 1) continue;
      if (p <= 0) return false;
      const cut = w.paths.count >= w.paths.max;
      if (!cut) w.paths.count++;
      const other = s.clone();
      other.prob *= 1 - p;
      unmatched.push({ state: other, why: () => `random, not taken (p=${fmtP(1 - p)})`, cut });
      s.prob *= p;
      continue;
    }
    const { key, text, inverted } = normalizeKey(u);
    const made = known(s, key);
    const answer = made ?? w.assume(key);
    if (answer !== undefined) {
      if (made === undefined) s.assume({ key, holds: answer, text, given: true });
      if (answer === inverted) return false;
      continue;
    }
    const cut = w.paths.count >= w.paths.max;
    if (!cut) w.paths.count++;
    // The world where the match does not hold.
    const other = s.clone();
    other.assume({ key, holds: inverted, text, given: false });
    unmatched.push({ state: other, why: () => `assumed: ${inverted ? text : `not: ${text}`}`, cut });
    s.assume({ key, holds: !inverted, text, given: false });
  }
  return true;
}

function fmtP(p: number): string {
  return String(Number(p.toPrecision(6)));
}

/** Record a rule that did not match: verbose failure and near miss, as enabled. */
export function recordFailure(w: WalkContext, s: PathState, where: Where, cr: CRule, v: PacketView, env: EvalEnv, failedAt: number): void {
  if (w.verbose) s.failed = cons({ ...ruleStep(where, cr), failed: cr.conds[failedAt]?.text() ?? "?" }, s.failed);
  if (w.nearMisses) recordNearMiss(s, where, cr, v, env);
}

/** Near-miss mode: record the rule if it fails on one condition only. */
export function recordNearMiss(s: PathState, where: Where, cr: CRule, v: PacketView, env: EvalEnv): void {
  const nm = nearMiss(where, cr, v, env);
  if (nm) s.nearMisses = cons(nm, s.nearMisses);
}

export function recordUnmatched(w: WalkContext, s: PathState, where: Where, cr: CRule, why: () => string): void {
  if (w.verbose) s.failed = cons({ ...ruleStep(where, cr), failed: why() }, s.failed);
}

/** Targets that make a near miss worth reporting: jumps and translations (nat table only). */
function nearMissTarget(cr: CRule): boolean {
  const t = cr.target;
  if (!t) return false;
  if (t.kind === "jump") return true;
  return t.kind === "target" && (t.name === "DNAT" || t.name === "REDIRECT" || t.name === "SNAT" || t.name === "MASQUERADE");
}

/**
 * A rule that fails on exactly one condition, one worth telling: not its destination (the packet is
 * addressed where it is), and a protocol or port only when the rule names the packet's destination
 * as a host address (the wrong port of a service, not every node port there is). When that condition
 * is the rule's `-p`, its protocol matches (`-m udp --dport 53`) are judged as if the packet had that
 * protocol (same ports): they must hold too. A packet without ports (ICMP) cannot be judged so: the
 * protocol match joins the condition (`-p udp -m udp --dport 53`: "be a udp/53 packet").
 */
function nearMiss(where: Where, cr: CRule, v: PacketView, env: EvalEnv): NearMiss | null {
  if (where.table !== "nat" || !nearMissTarget(cr)) return null;
  const results = cr.conds.map((c) => c.test(v, env));
  const protoAt = cr.conds.findIndex((c, i) => c.isProtocol && results[i] === false);
  let failing = -1;
  for (let i = 0; i < results.length; i++) {
    if (results[i] !== false || (protoAt >= 0 && cr.conds[i]!.needsProtocol)) continue;
    if (failing >= 0) return null;
    failing = i;
  }
  if (failing < 0) return null;
  const c = cr.conds[failing]!;
  if (c.kind === CondKind.Dst4 || c.kind === CondKind.Dst6) return null;
  // Aimed: the rule names the packet's destination exactly (a service address, not a range).
  const d = cr.rule.destination;
  const aimed = d !== undefined && !d.negated && d.net.prefixLen === (d.net.family === 4 ? 32 : 128);
  if ((c.isProtocol || c.needsProtocol) && !aimed) return null;
  let condition = c.text();
  if (failing === protoAt) {
    const proto = cr.rule.protocol!.number;
    const dependent = cr.conds.filter((d) => d.needsProtocol);
    if (v.pkt.dport !== undefined) {
      const as = viewOf({ ...v.pkt, proto });
      if (dependent.some((d) => d.test(as, env) === false)) return null;
    } else condition = [condition, ...dependent.map((d) => d.text())].join(" ");
  }
  return { ...ruleStep(where, cr), condition, target: printTarget(cr.target!, v.pkt.family) };
}

// ---- Targets ------------------------------------------------------------------------------------------

/**
 * Unmodelled targets that never end a traversal (they log, tag or tweak headers); anything else
 * unmodelled ends the path as UNKNOWN.
 */
const NON_TERMINATING: ReadonlySet<string> = new Set([
  "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE", "AUDIT", "CHECKSUM", "CLASSIFY",
  "CONNSECMARK", "SECMARK", "DSCP", "ECN", "HL", "TTL", "TOS", "HMARK", "IPMARK", "IDLETIMER", "LED",
  "RATEEST", "SET", "TCPMSS", "TCPOPTSTRIP", "TEE", "CLUSTERIP",
]);

export type TargetResult =
  | { readonly kind: "continue" }
  | { readonly kind: "return" }
  | { readonly kind: "jump"; readonly chain: string; readonly goto: boolean }
  | { readonly kind: "end"; readonly end: TableEnd };

const CONTINUE: TargetResult = { kind: "continue" };
const RETURN: TargetResult = { kind: "return" };
const END_ACCEPT: TargetResult = { kind: "end", end: ACCEPT };
const END_DROP: TargetResult = { kind: "end", end: DROP };
const END_QUEUE: TargetResult = { kind: "end", end: { kind: "queue" } };

/** The decision record of a rule in a hook; the usual action (the target's name) is made once. */
function decision(where: Where, cr: CRule, action: string): Decision {
  const i = where.hi;
  const d = (cr.decisions ??= [undefined, undefined, undefined, undefined, undefined])[i];
  if (d && d.action === action) return d;
  const made: Decision = { table: where.table, hook: where.hook, chain: where.chain, index: cr.index, line: cr.line, action };
  if (!d) cr.decisions[i] = made;
  return made;
}

function endpoints(p: Packet): NatEndpoints {
  return { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport };
}

function unknownEnd(s: PathState, where: Where, cr: CRule, name: string, reason: string): TargetResult {
  s.end = decision(where, cr, name);
  s.note(reason);
  return { kind: "end", end: { kind: "unknown", reason } };
}

/** What a matched rule's target does to the path `s` (changed in place); jumps are left to the walker. */
export function applyTarget(where: Where, cr: CRule, s: PathState, env: EvalEnv): TargetResult {
  const t = cr.target;
  if (t === null) return CONTINUE;
  switch (t.kind) {
    case "verdict":
      switch (t.verdict) {
        case "ACCEPT":
          s.accept = decision(where, cr, "ACCEPT");
          return END_ACCEPT;
        case "DROP":
          s.end = decision(where, cr, "DROP");
          return END_DROP;
        case "QUEUE":
          s.end = decision(where, cr, "QUEUE");
          return END_QUEUE;
        case "RETURN":
          return RETURN;
        default: {
          const never: never = t.verdict;
          return never;
        }
      }
    case "jump":
      return { kind: "jump", chain: t.chain, goto: t.goto };
    case "opaque-target":
      if (NON_TERMINATING.has(t.name)) {
        s.note(`-j ${t.name} is not modelled; taken as non-terminating (it does not decide)`);
        return CONTINUE;
      }
      return unknownEnd(s, where, cr, t.name, `-j ${t.name} is not modelled: what it does to the packet is unknown`);
    case "target": {
      const ext = findTargetExtension(t.name);
      if (!ext) return unknownEnd(s, where, cr, t.name, `-j ${t.name} has no evaluation`);
      const e = ext.evaluate(t, s.packet, env);
      switch (e.kind) {
        case "continue":
          if (e.packet) s.packet = packetOf(e.packet);
          return CONTINUE;
        case "accept":
          s.accept = decision(where, cr, t.name);
          return END_ACCEPT;
        case "drop":
          s.end = decision(where, cr, t.name);
          return END_DROP;
        case "reject":
          s.end = decision(where, cr, t.name);
          return { kind: "end", end: { kind: "reject", with: e.with } };
        case "queue":
          s.end = decision(where, cr, t.name);
          return END_QUEUE;
        case "return":
          return RETURN;
        case "nat": {
          // A NAT target ends the nat table's traversal of this hook (NF_ACCEPT) with the packet rewritten.
          const ev: NatEvent = {
            table: where.table,
            hook: where.hook,
            chain: where.chain,
            index: cr.index,
            line: cr.line,
            kind: e.nat,
            detail: e.detail,
            before: endpoints(s.packet),
            after: endpoints(e.packet),
          };
          s.nat = cons(ev, s.nat);
          if (e.nat === "DNAT" || e.nat === "REDIRECT") s.dnat = decision(where, cr, e.nat);
          s.packet = packetOf(e.packet);
          return END_ACCEPT;
        }
        case "unknown":
          return unknownEnd(s, where, cr, t.name, `-j ${t.name}: ${e.detail}`);
        default: {
          const never: never = e;
          return never;
        }
      }
    }
    default: {
      const never: never = t;
      return never;
    }
  }
}

/**
 * A table walk with nothing to walk, settled at once: a table or built-in chain the dump leaves out
 * is empty with an ACCEPT policy (and has no counters); an empty built-in chain's policy decides.
 * Returns false when the hook's chain has rules (the walker's job). Both walkers and the pipeline use it.
 */
export function settleTrivialWalk(w: WalkContext, table: TableName, hi: number, hook: Hook, s: PathState): boolean {
  const base = w.compiled.tables.get(table)?.bases[hi];
  if (!base) {
    s.ended = ACCEPT;
    return true;
  }
  if (base.rules.length > 0) return false;
  applyPolicy(base, hook, s);
  return true;
}

/** The policy of the hook's built-in chain decides (it exists: the walk started there). */
export function applyPolicy(base: CChain, hook: Hook, s: PathState): PathState {
  const step = (base.policyStep ??= { table: base.table, hook, chain: base.name, policy: base.policy });
  s.trace = cons(step, s.trace);
  if (step.policy === "DROP") {
    s.end = base.policyDecision ??= { ...step, action: "DROP" };
    s.ended = DROP;
  } else s.ended = ACCEPT;
  return s;
}

/** End a path that cannot be followed (loop, depth, undefined chain). */
export function giveUp(w: WalkContext, where: Where, cr: CRule | null, s: PathState, code: string, message: string): PathState {
  w.diag({ code, severity: "warning", message, ...(cr ? { line: cr.line, column: cr.rule.loc.column } : {}) });
  if (cr) s.end = decision(where, cr, "?");
  s.note(message);
  s.ended = { kind: "unknown", reason: message };
  return s;
}

/** End a branch that the path budget does not allow to follow. */
export function giveUpPath(s: PathState): PathState {
  s.note(PATH_LIMIT_NOTE);
  s.ended = { kind: "unknown", reason: PATH_LIMIT_NOTE };
  return s;
}

export const PATH_LIMIT_NOTE = "path limit reached: this branch was not followed (raise maxPaths)";
