/**
 * The rule set prepared for evaluation, once: each rule's conditions as small test functions (the
 * built-in `-s -d -i -o -p -f` first, then its matches in order), and for long chains an index that
 * finds the rules a packet can possibly match without scanning the others.
 *
 * The index (per chain) files each rule under the most exact key it has: destination host address with
 * protocol and destination port (`-d X/32 -p tcp -m tcp --dport N`: KUBE-SERVICES), destination host
 * alone, or protocol and port alone (KUBE-NODEPORTS); rules with none ("unkeyed") may match anything.
 * A keyed rule can only match packets with its key, so a packet's candidates are the rules of its three
 * buckets and the unkeyed ones, merged back into rule order: evaluation order, and thus every result,
 * is exactly that of the sequential walk (checked by a property test).
 */
import { findMatchExtension } from "../extensions/index.js";
import { ifaceMatches } from "../extensions/matches/common.js";
import type { EvalEnv, MatchEval, MatchExtension } from "../extensions/types.js";
import { formatNet, bits, type Family, type IpNet } from "../net/addr.js";
import { PROTO, protoName, type Packet } from "../net/packet.js";
import { printMatch } from "../model/print.js";
import { BUILTIN_CHAINS, HOOKS, type Chain, type Hook, type Match, type MatchBase, type Policy, type Rule, type Ruleset, type TableName, type Target } from "../model/ast.js";
import { PORT_PROTOCOLS } from "./packet.js";
import type { Decision, PolicyStep, RuleStep } from "./types.js";

/** Address values of the packet in the form the compiled tests compare (numbers for IPv4). */
export interface PacketView {
  readonly pkt: Packet;
  readonly s4: number;
  readonly d4: number;
}

export function viewOf(pkt: Packet): PacketView {
  return pkt.family === 4 ? { pkt, s4: Number(pkt.src.value), d4: Number(pkt.dst.value) } : { pkt, s4: 0, d4: 0 };
}

/** What a condition tests (a small closed set: one class, one evaluator, see `testCond`). */
export const enum CondKind {
  Src4,
  Dst4,
  Src6,
  Dst6,
  InIface,
  OutIface,
  Proto,
  Fragment,
  Match,
  Fixed,
}

/**
 * One condition of a rule. Every condition has the same shape (a class with all fields), so the hot
 * loop reads them without polymorphism; `testCond` switches on `kind`.
 */
export class Cond {
  constructor(
    readonly kind: CondKind,
    readonly negated: boolean,
    /** Src4/Dst4: mask and address as unsigned 32-bit numbers; Proto: the protocol number. */
    readonly n1: number,
    readonly n2: number,
    /** Src4/Dst4/Src6/Dst6: the network. */
    readonly net: IpNet | null,
    /** InIface/OutIface: the name (a trailing `+` is a prefix wildcard). */
    readonly name: string,
    /** Match: the extension's evaluate and the node; Fixed: the constant result. */
    readonly ext: MatchExtension<MatchBase> | null,
    readonly node: MatchBase | null,
    readonly fixed: MatchEval,
    /** Match: the last answer, shared by every condition of the rule set spelled the same (see Memo). */
    readonly memo: Memo | null,
    /** Match/Fixed: the match as written; the family prints it. */
    private readonly match: Match | null,
    private readonly family: Family,
    /** `-p P` itself. */
    readonly isProtocol: boolean,
    /** A protocol match (`-m tcp` under `-p tcp`) that cannot hold when `-p` does not. */
    readonly needsProtocol: boolean,
  ) {}

  /** The condition as iptables-save spells it (made when asked: only explanations need it). */
  text(): string {
    const not = this.negated ? "! " : "";
    switch (this.kind) {
      case CondKind.Src4:
      case CondKind.Src6:
        return `${not}-s ${formatNet(this.net!)}`;
      case CondKind.Dst4:
      case CondKind.Dst6:
        return `${not}-d ${formatNet(this.net!)}`;
      case CondKind.InIface:
        return `${not}-i ${this.name}`;
      case CondKind.OutIface:
        return `${not}-o ${this.name}`;
      case CondKind.Proto:
        return `${not}-p ${this.n1 === 0 ? "all" : protoName(this.n1)}`;
      case CondKind.Fragment:
        return `${not}-f`;
      case CondKind.Match:
      case CondKind.Fixed:
        return printMatch(this.match!, this.family);
    }
  }

  test(v: PacketView, env: EvalEnv): MatchEval {
    return testCond(this, v, env);
  }
}

/**
 * The last answer of a match, shared by all conditions spelled the same way. Hook chains repeat the
 * same state and address-type tests (`-m conntrack --ctstate NEW` on three FORWARD rules); a match's
 * answer depends only on the packet and the environment, so it is reused while both are the same
 * objects (every packet change makes a new packet object).
 */
export interface Memo {
  pkt: Packet | null;
  env: EvalEnv | null;
  result: MatchEval;
}

/** Modules whose conditions are shared through a Memo (often repeated, not trivially cheap). */
const MEMO_MODULES: ReadonlySet<string> = new Set(["conntrack", "state", "addrtype", "physdev", "connmark", "set"]);

export function testCond(c: Cond, v: PacketView, env: EvalEnv): MatchEval {
  switch (c.kind) {
    case CondKind.Src4:
      return ((v.s4 & c.n1) >>> 0 === c.n2) !== c.negated;
    case CondKind.Dst4:
      return ((v.d4 & c.n1) >>> 0 === c.n2) !== c.negated;
    case CondKind.Src6: {
      const a = v.pkt.src;
      return (a.family === 6 && (a.value & c.net!.mask) === c.net!.addr) !== c.negated;
    }
    case CondKind.Dst6: {
      const a = v.pkt.dst;
      return (a.family === 6 && (a.value & c.net!.mask) === c.net!.addr) !== c.negated;
    }
    case CondKind.InIface:
      // With no input device (OUTPUT, POSTROUTING of local packets) the kernel compares against "".
      return ifaceMatches(c.name, v.pkt.inIface ?? "") !== c.negated;
    case CondKind.OutIface:
      return ifaceMatches(c.name, v.pkt.outIface ?? "") !== c.negated;
    case CondKind.Proto:
      // `-p all` (0) matches every protocol; `! -p all` none.
      return (c.n1 === 0 || v.pkt.proto === c.n1) !== c.negated;
    case CondKind.Fragment:
      return v.pkt.fragment !== c.negated;
    case CondKind.Match: {
      const memo = c.memo;
      if (memo === null) return c.ext!.evaluate(c.node!, v.pkt, env);
      if (memo.pkt === v.pkt && memo.env === env) return memo.result;
      const r = c.ext!.evaluate(c.node!, v.pkt, env);
      memo.pkt = v.pkt;
      memo.env = env;
      memo.result = r;
      return r;
    }
    case CondKind.Fixed:
      return c.fixed;
  }
}

function cond(
  kind: CondKind,
  f: {
    negated?: boolean;
    n1?: number;
    n2?: number;
    net?: IpNet;
    name?: string;
    ext?: MatchExtension<MatchBase>;
    node?: MatchBase;
    fixed?: MatchEval;
    memo?: Memo;
    match?: Match;
    family?: Family;
    isProtocol?: boolean;
    needsProtocol?: boolean;
  },
): Cond {
  return new Cond(
    kind,
    f.negated ?? false,
    f.n1 ?? 0,
    f.n2 ?? 0,
    f.net ?? null,
    f.name ?? "",
    f.ext ?? null,
    f.node ?? null,
    f.fixed ?? false,
    f.memo ?? null,
    f.match ?? null,
    f.family ?? 4,
    f.isProtocol ?? false,
    f.needsProtocol ?? false,
  );
}

export interface CRule {
  readonly rule: Rule;
  /** 1-based position in the chain. */
  readonly index: number;
  readonly line: number;
  readonly conds: readonly Cond[];
  readonly target: Target | null;
  /** Trace steps of this rule by hook (made on first use; see step.ts ruleStep). */
  steps: (RuleStep | undefined)[] | null;
  /** Decision records of this rule by hook (made on first use; see step.ts decision). */
  decisions: (Decision | undefined)[] | null;
  /** For `-j/-g CHAIN`: the chain, resolved once (undefined when it does not exist). */
  jump?: CChain;
}

/** Rule positions (0-based, ascending) by key; see the header. */
export interface ChainIndex {
  /** destination value → proto·65536+port → rules with both keys. */
  readonly byDstPort: Map<number | bigint, Map<number, readonly number[]>>;
  /** destination value → rules keyed by destination only. */
  readonly byDst: Map<number | bigint, readonly number[]>;
  /** proto·65536+port → rules keyed by protocol and port only. */
  readonly byPort: Map<number, readonly number[]>;
  readonly unkeyed: readonly number[];
  /**
   * For near misses: keyed rules by destination, whatever their port. Any other keyed rule that is not
   * in the packet's buckets fails on its destination, or on its port without aiming at the packet's
   * destination: neither is reported as a near miss (see step.ts nearMiss).
   */
  readonly nearByDst: Map<number | bigint, readonly number[]>;
}

export interface CChain {
  readonly name: string;
  readonly table: TableName;
  readonly builtin: boolean;
  /** Policy of a built-in chain (ACCEPT when the dump leaves it out). */
  readonly policy: Policy;
  readonly rules: readonly CRule[];
  index?: ChainIndex;
  /** The chain as traversed from each hook (made on first use, shared by all frames). */
  readonly where: (Where | undefined)[];
  /** For a built-in chain: the trace step of its policy and its decision record (made on first use). */
  policyStep?: PolicyStep;
  policyDecision?: Decision;
}

/** A chain as traversed from one hook: what a trace step names. */
export interface Where {
  readonly table: TableName;
  readonly hook: Hook;
  readonly chain: string;
  /** HOOK_INDEX[hook], kept at hand: the walker indexes per-hook caches with it on every rule. */
  readonly hi: number;
}

export const HOOK_INDEX: Readonly<Record<Hook, number>> = { PREROUTING: 0, INPUT: 1, FORWARD: 2, OUTPUT: 3, POSTROUTING: 4 };

export function whereOf(c: CChain, hook: Hook, hi: number = HOOK_INDEX[hook]): Where {
  return (c.where[hi] ??= { table: c.table, hook, chain: c.name, hi });
}

export interface CTable {
  readonly name: TableName;
  readonly chains: ReadonlyMap<string, CChain>;
  /**
   * No chain of the table can reach itself through jumps and gotos (true of every rule set the kernel
   * accepts): the walker then need not check each jump for a loop.
   */
  readonly acyclic: boolean;
  /** The built-in chain of each hook (HOOK_INDEX order), when the table has it. */
  readonly bases: readonly (CChain | undefined)[];
}

export interface CompiledRuleset {
  readonly family: Family;
  readonly ruleset: Ruleset;
  readonly tables: ReadonlyMap<string, CTable>;
}

/** Chains shorter than this are scanned; an index would not pay for itself. */
export const INDEX_MIN_RULES = 12;

export function compileRuleset(rs: Ruleset, index = true): CompiledRuleset {
  const tables = new Map<string, CTable>();
  const memos = new Map<string, Memo>();
  for (const t of rs.tables) {
    if (!(t.name in BUILTIN_CHAINS)) continue;
    const chains = new Map<string, CChain>();
    for (const c of t.chains) chains.set(c.name, compileChain(c, t.name as TableName, rs.family, index, memos));
    for (const c of chains.values())
      for (const r of c.rules) {
        if (r.target?.kind !== "jump") continue;
        const j = chains.get(r.target.chain);
        if (j) r.jump = j;
      }
    const bases = HOOKS.map((h) => chains.get(h));
    tables.set(t.name, { name: t.name as TableName, chains, acyclic: isAcyclic(chains), bases });
  }
  return { family: rs.family, ruleset: rs, tables };
}

/** Whether the jump graph of a table's chains has no cycle (iterative depth-first search). */
function isAcyclic(chains: ReadonlyMap<string, CChain>): boolean {
  const state = new Map<CChain, 1 | 2>(); // 1: on the DFS stack, 2: done
  for (const root of chains.values()) {
    if (state.has(root)) continue;
    const stack: { c: CChain; i: number }[] = [{ c: root, i: 0 }];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const r = top.c.rules[top.i++];
      if (!r) {
        state.set(top.c, 2);
        stack.pop();
        continue;
      }
      const j = r.jump;
      if (!j) continue;
      const st = state.get(j);
      if (st === 1) return false;
      if (st === undefined) {
        state.set(j, 1);
        stack.push({ c: j, i: 0 });
      }
    }
  }
  return true;
}

function compileChain(c: Chain, table: TableName, family: Family, index: boolean, memos: Map<string, Memo>): CChain {
  const rules = c.rules.map((r, i) => compileRule(r, i + 1, family, memos));
  const out: CChain = { name: c.name, table, builtin: c.builtin, policy: c.policy ?? "ACCEPT", rules, where: [] };
  if (index && rules.length >= INDEX_MIN_RULES) {
    const ix = buildIndex(c.rules, family);
    if (ix) out.index = ix;
  }
  return out;
}

// ---- Conditions ---------------------------------------------------------------------------------------

function addrCond(flag: "-s" | "-d", negated: boolean, net: IpNet, family: Family): Cond {
  const src = flag === "-s";
  if (family === 4) return cond(src ? CondKind.Src4 : CondKind.Dst4, { negated, n1: Number(net.mask), n2: Number(net.addr), net });
  return cond(src ? CondKind.Src6 : CondKind.Dst6, { negated, net });
}

/** Modules that a rule's `-p` must name for them to hold (they test that protocol's header). */
const PROTOCOL_MODULES: Readonly<Record<string, readonly number[]>> = {
  tcp: [PROTO.tcp],
  udp: [PROTO.udp],
  sctp: [PROTO.sctp],
  dccp: [PROTO.dccp],
  udplite: [PROTO.udplite],
  icmp: [PROTO.icmp],
  icmp6: [PROTO.icmpv6],
  icmpv6: [PROTO.icmpv6],
  multiport: [PROTO.tcp, PROTO.udp, PROTO.sctp, PROTO.dccp, PROTO.udplite],
};

function matchCond(m: Match, family: Family, rule: Rule, memos: Map<string, Memo>): Cond {
  const protoNum = rule.protocol && !rule.protocol.negated ? rule.protocol.number : undefined;
  const needsProtocol = protoNum !== undefined && (PROTOCOL_MODULES[m.module]?.includes(protoNum) ?? false);
  if (m.kind === "opaque-match") {
    const fixed: MatchEval = { kind: "unknown", key: `opaque:${printMatch(m, family)}`, assumption: `${printMatch(m, family)} matches (-m ${m.module} is not modelled)` };
    return cond(CondKind.Fixed, { fixed, needsProtocol, match: m, family });
  }
  const ext = findMatchExtension(m.module);
  if (!ext) return cond(CondKind.Fixed, { fixed: { kind: "unknown", key: `module:${printMatch(m, family)}`, assumption: `${printMatch(m, family)} matches` }, needsProtocol, match: m, family });
  if (!MEMO_MODULES.has(m.module)) return cond(CondKind.Match, { ext, node: m, needsProtocol, match: m, family });
  const key = `${m.module} ${printMatch(m, family)}`;
  let memo = memos.get(key);
  if (!memo) memos.set(key, (memo = { pkt: null, env: null, result: false }));
  return cond(CondKind.Match, { ext, node: m, memo, needsProtocol, match: m, family });
}

export function compileRule(r: Rule, index: number, family: Family, memos: Map<string, Memo> = new Map()): CRule {
  const conds: Cond[] = [];
  if (r.source) conds.push(addrCond("-s", r.source.negated, r.source.net, family));
  if (r.destination) conds.push(addrCond("-d", r.destination.negated, r.destination.net, family));
  if (r.inInterface) conds.push(cond(CondKind.InIface, { negated: r.inInterface.negated, name: r.inInterface.name }));
  if (r.outInterface) conds.push(cond(CondKind.OutIface, { negated: r.outInterface.negated, name: r.outInterface.name }));
  if (r.protocol && (r.protocol.number !== 0 || r.protocol.negated))
    conds.push(cond(CondKind.Proto, { negated: r.protocol.negated, n1: r.protocol.number, isProtocol: true }));
  if (r.fragment) conds.push(cond(CondKind.Fragment, { negated: r.fragment.negated }));
  // `-m comment` always matches (xt_comment's match function returns true): no test to run.
  for (const m of r.matches) if (!(m.kind === "match" && m.module === "comment")) conds.push(matchCond(m, family, r, memos));
  return { rule: r, index, line: r.loc.line, conds, target: r.target, steps: null, decisions: null };
}

// ---- Index ------------------------------------------------------------------------------------------------

interface RuleKey {
  readonly dst?: number | bigint;
  /** proto·65536 + port */
  readonly pp?: number;
}

/**
 * The exact key a rule constrains packets to, from facts that hold for every packet it matches:
 * `-d` with a full-length prefix, not negated; `-p P` not negated with a single `--dport N` (not
 * negated) in a port match of that protocol (tcp, udp, sctp, dccp, udplite: each refuses packets of
 * another protocol and fragments).
 */
function ruleKey(r: Rule, family: Family): RuleKey {
  let dst: number | bigint | undefined;
  const d = r.destination;
  if (d && !d.negated && d.net.prefixLen === bits(family)) dst = family === 4 ? Number(d.net.addr) : d.net.addr;
  let pp: number | undefined;
  const p = r.protocol;
  if (p && !p.negated && PORT_PROTOCOLS.has(p.number)) {
    for (const m of r.matches) {
      if (m.kind !== "match" || !(PROTOCOL_MODULES[m.module]?.length === 1 && PROTOCOL_MODULES[m.module]![0] === p.number)) continue;
      const dport = (m as { dport?: { negated: boolean; range: { lo: number; hi: number } } }).dport;
      if (dport && !dport.negated && dport.range.lo === dport.range.hi) pp = p.number * 65536 + dport.range.lo;
    }
  }
  return { ...(dst !== undefined ? { dst } : {}), ...(pp !== undefined ? { pp } : {}) };
}

function push<K>(m: Map<K, number[]>, k: K, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}

/** The index of a chain, or undefined when too few of its rules have a key for it to pay. */
function buildIndex(rules: readonly Rule[], family: Family): ChainIndex | undefined {
  const byDstPort = new Map<number | bigint, Map<number, number[]>>();
  const byDst = new Map<number | bigint, number[]>();
  const byPort = new Map<number, number[]>();
  const unkeyed: number[] = [];
  rules.forEach((r, i) => {
    const k = ruleKey(r, family);
    if (k.dst !== undefined && k.pp !== undefined) {
      let inner = byDstPort.get(k.dst);
      if (!inner) byDstPort.set(k.dst, (inner = new Map()));
      push(inner, k.pp, i);
    } else if (k.dst !== undefined) push(byDst, k.dst, i);
    else if (k.pp !== undefined) push(byPort, k.pp, i);
    else unkeyed.push(i);
  });
  if (unkeyed.length > rules.length / 2) return undefined;
  const nearByDst = new Map<number | bigint, number[]>();
  rules.forEach((r, i) => {
    const k = ruleKey(r, family);
    if (k.dst !== undefined) push(nearByDst, k.dst, i);
  });
  return { byDstPort, byDst, byPort, unkeyed, nearByDst };
}

const EMPTY: readonly number[] = [];

/** Where `bucketsFor` puts a packet's candidate lists (the walker's frames). */
export interface Buckets {
  l0: readonly number[];
  l1: readonly number[];
  l2: readonly number[];
  l3: readonly number[];
}

/**
 * A packet's candidate lists, into `out`: its three buckets and the unkeyed rules (each ascending; the
 * walker merges them).
 */
export function bucketsFor(ix: ChainIndex, v: PacketView, out: Buckets): void {
  const p = v.pkt;
  const dst = p.family === 4 ? v.d4 : p.dst.value;
  // Port keys come from tcp/udp/sctp/… matches, which never match a packet without ports or a fragment.
  const pp = p.dport !== undefined && !p.fragment ? p.proto * 65536 + p.dport : -1;
  out.l0 = pp < 0 ? EMPTY : (ix.byDstPort.get(dst)?.get(pp) ?? EMPTY);
  out.l1 = ix.byDst.get(dst) ?? EMPTY;
  out.l2 = pp < 0 ? EMPTY : (ix.byPort.get(pp) ?? EMPTY);
  out.l3 = ix.unkeyed;
}

/** Near-miss candidates of a packet besides its buckets: the keyed rules for its destination. */
export function nearFor(ix: ChainIndex, v: PacketView): readonly number[] {
  return ix.nearByDst.get(v.pkt.family === 4 ? v.d4 : v.pkt.dst.value) ?? EMPTY;
}

/** First position in ascending `a` that is ≥ `x`. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
