/**
 * The structural pass: what can be said about two rule sets without evaluating a packet.
 *
 * Canonical rules. A rule's text is its canonical iptables-save spelling (src/model/print.ts: `/32`,
 * `--set-xmark`, quoting, the probability as the kernel stores it) without what never changes a
 * packet's fate: `-m comment`, `-m nfacct` (both always match), counters. A `recent --name` equal to
 * the rule's own chain or its jump target is written `@self`/`@target` (kube-proxy names affinity lists
 * after endpoint chains). A jump names its target by content hash, not by name: chain renames (kube-proxy
 * hash changes) vanish. Rules without a target and LOG-like targets are left out: they only count.
 *
 * Normal form. Two adjacent rules commute when no packet header can match both (their header boxes are
 * disjoint): header fields only change through NAT, which ends the table's traversal, so whichever runs
 * first the other cannot match the same packet. A chain's normal form is the lexicographically least
 * ordering of its rules that keeps every non-commuting pair in order (the canonical representative of
 * its commutation class); shuffling independent rules (KUBE-SERVICES) leaves it unchanged. A chain's
 * hash is the hash of its policy and normal form, so equal hashes mean equal behaviour for every packet.
 *
 * Suspect regions. Built-in chains are compared pairwise. Equal hashes: nothing to do. Otherwise the
 * normal forms are aligned; rules on both sides of the alignment behave alike for a packet that matches
 * none of the unaligned ones, and unaligned rules with the same conditions that jump to different chains
 * are compared recursively (region narrowed to their conditions). What remains — the header cubes of
 * unaligned rules — is where the rule sets may differ, in the coordinates of the packet as that table
 * sees it. Packets that reach a later table through NAT are pulled back to the packet as it arrived
 * (`natClosure`). Everything outside the result behaves identically in both rule sets.
 */
import { createHash } from "node:crypto";
import { BUILTIN_CHAINS, TABLE_NAMES, type Chain, type Hook, type Rule, type Ruleset, type TableName } from "../model/ast.js";
import { printRuleSpec, printTarget } from "../model/print.js";
import type { Family, IpAddr } from "../net/addr.js";
import { Cube, IntervalSet } from "../space/index.js";
import { align } from "./align.js";
import { F, RuleSpaces, addrMax, cubeKey, free, localSet as localAddrSet, loopbackEffect, natEffect, type NatEffect } from "./spaces.js";

// ---- Header boxes ------------------------------------------------------------------------------------

interface IfaceBox {
  readonly name: string;
  readonly prefix: boolean;
}

/** A cheap over-approximation of the headers a rule can match, read off the AST. */
export interface Box {
  readonly src?: readonly [bigint, bigint];
  readonly dst?: readonly [bigint, bigint];
  readonly proto?: number;
  readonly sport?: readonly [number, number];
  readonly dport?: readonly [number, number];
  readonly inIface?: IfaceBox;
  readonly outIface?: IfaceBox;
}

const PORT_MODULES = new Set(["tcp", "udp", "sctp", "dccp", "udplite"]);
type PortCondLike = { readonly negated: boolean; readonly range: { readonly lo: number; readonly hi: number } };

export function ruleBox(r: Rule, family: Family): Box {
  const net = (c: Rule["source"]): readonly [bigint, bigint] | undefined => {
    if (!c || c.negated || c.net.prefixLen === null) return undefined;
    const host = addrMax(family) >> BigInt(c.net.prefixLen);
    return [c.net.addr, c.net.addr | host];
  };
  const iface = (c: Rule["inInterface"]): IfaceBox | undefined => {
    if (!c || c.negated || c.name === "+") return undefined;
    return c.name.endsWith("+") ? { name: c.name.slice(0, -1), prefix: true } : { name: c.name, prefix: false };
  };
  let sport: readonly [number, number] | undefined;
  let dport: readonly [number, number] | undefined;
  for (const m of r.matches) {
    if (m.kind !== "match" || !PORT_MODULES.has(m.module)) continue;
    const p = m as unknown as { sport?: PortCondLike; dport?: PortCondLike };
    if (p.sport && !p.sport.negated) sport ??= [p.sport.range.lo, p.sport.range.hi];
    if (p.dport && !p.dport.negated) dport ??= [p.dport.range.lo, p.dport.range.hi];
  }
  const proto = r.protocol && !r.protocol.negated && r.protocol.number !== 0 ? r.protocol.number : undefined;
  const box: { -readonly [K in keyof Box]: Box[K] } = {};
  const s = net(r.source);
  const d = net(r.destination);
  const i = iface(r.inInterface);
  const o = iface(r.outInterface);
  if (s) box.src = s;
  if (d) box.dst = d;
  if (proto !== undefined) box.proto = proto;
  if (sport) box.sport = sport;
  if (dport) box.dport = dport;
  if (i) box.inIface = i;
  if (o) box.outIface = o;
  return box;
}

function rangesApart<T extends bigint | number>(a: readonly [T, T] | undefined, b: readonly [T, T] | undefined): boolean {
  return !!a && !!b && (a[1] < b[0] || b[1] < a[0]);
}

function ifacesApart(a: IfaceBox | undefined, b: IfaceBox | undefined): boolean {
  if (!a || !b) return false;
  if (!a.prefix && !b.prefix) return a.name !== b.name;
  if (a.prefix && b.prefix) return !a.name.startsWith(b.name) && !b.name.startsWith(a.name);
  const [p, n] = a.prefix ? [a, b] : [b, a];
  return !n.name.startsWith(p.name);
}

/** Whether no packet header can match both boxes. */
export function boxesDisjoint(a: Box, b: Box): boolean {
  return (
    rangesApart(a.dst, b.dst) ||
    (a.proto !== undefined && b.proto !== undefined && a.proto !== b.proto) ||
    rangesApart(a.dport, b.dport) ||
    rangesApart(a.src, b.src) ||
    rangesApart(a.sport, b.sport) ||
    ifacesApart(a.inIface, b.inIface) ||
    ifacesApart(a.outIface, b.outIface)
  );
}

// ---- Canonical rules ---------------------------------------------------------------------------------

/** Targets that only log or trace: the packet's fate and fields are untouched. */
const FATE_NEUTRAL = new Set(["LOG", "NFLOG", "ULOG", "TRACE"]);

export function isNoop(r: Rule): boolean {
  const t = r.target;
  if (t === null) return true;
  return (t.kind === "target" || t.kind === "opaque-target") && FATE_NEUTRAL.has(t.name);
}

function isAccounting(m: Rule["matches"][number]): boolean {
  return m.module === "comment" || m.module === "nfacct";
}

/** The rule's conditions, canonical, with accounting matches left out and recent lists named relatively. */
export function conditionText(r: Rule, family: Family): string {
  const matches = r.matches.some(isAccounting) ? r.matches.filter((m) => !isAccounting(m)) : r.matches;
  let text = printRuleSpec({ ...r, matches, target: null }, family);
  if (text.includes("--name ")) {
    const jump = r.target?.kind === "jump" ? r.target.chain : undefined;
    text = text.replace(/--name (\S+)/g, (all, n: string) => (n === r.chain ? "--name @self" : n === jump ? "--name @target" : all));
  }
  return text;
}

export interface RuleNode {
  readonly rule: Rule;
  readonly cond: string;
  /** Conditions and target; a jump names its target's content hash. */
  readonly text: string;
  readonly box: Box;
  readonly jump?: { readonly chain: string; readonly goto: boolean };
}

export interface ChainNode {
  readonly table: string;
  readonly name: string;
  readonly builtin: boolean;
  /** ACCEPT/DROP for built-in chains, "-" for user chains. */
  readonly policy: string;
  /** The rules that can change a packet's fate, in normal form. */
  readonly rules: readonly RuleNode[];
  readonly hash: string;
  /** Hash of the same rules in written order (equal hashes, different written: reordered only). */
  readonly writtenHash: string;
  /** False for a built-in chain the dump leaves out (empty, policy ACCEPT). */
  readonly present: boolean;
}

function digest(s: string): string {
  return createHash("sha1").update(s).digest("base64url").slice(0, 22);
}

function stripCounters(raw: string): string {
  return raw.startsWith("[") ? raw.replace(/^\[\d+:\d+\]\s*/, "") : raw;
}

/** Most jump nesting followed when hashing (the engine gives up at 64 as well). */
const MAX_NESTING = 64;

/** Per rule set: chains by table, their canonical forms and hashes, computed on demand. */
export class Structure {
  readonly family: Family;
  private readonly tables = new Map<string, Map<string, Chain>>();
  private readonly nodes = new Map<string, ChainNode>();
  private readonly visiting = new Set<string>();
  private readonly sharedMemo = new Map<Chain, boolean>();
  private readonly sharedActive = new Set<Chain>();
  /** The other rule set of the comparison: chains equal there by text need no canonical form. */
  peer?: Structure;

  constructor(readonly ruleset: Ruleset) {
    this.family = ruleset.family;
    for (const t of ruleset.tables) {
      if (!(TABLE_NAMES as readonly string[]).includes(t.name)) continue;
      this.tables.set(t.name, new Map(t.chains.map((c) => [c.name, c])));
    }
  }

  chains(table: string): ReadonlyMap<string, Chain> {
    return this.tables.get(table) ?? new Map();
  }

  rawChain(table: string, name: string): Chain | undefined {
    return this.tables.get(table)?.get(name);
  }

  /**
   * Whether the peer has this chain with the same text, rule for rule (counters aside), jumping to
   * chains of the same names that are themselves shared: the same chain down to everything it reaches,
   * so the same behaviour. Plain string comparison, no printing; memoized per chain.
   */
  shared(table: string, name: string): boolean {
    const p = this.peer;
    const x = this.tables.get(table)?.get(name);
    if (!p || !x) return false;
    const done = this.sharedMemo.get(x);
    if (done !== undefined) return done;
    const y = p.tables.get(table)?.get(name);
    // A cycle is not proven shared (the canonical comparison then decides).
    if (!y || this.sharedActive.has(x) || this.sharedActive.size >= MAX_NESTING) return false;
    let ok = x.policy === y.policy && x.rules.length === y.rules.length;
    this.sharedActive.add(x);
    for (let i = 0; ok && i < x.rules.length; i++) {
      const a = x.rules[i]!;
      const b = y.rules[i]!;
      if (a.raw !== b.raw && stripCounters(a.raw) !== stripCounters(b.raw)) ok = false;
      else if (a.target?.kind === "jump") ok = this.shared(table, a.target.chain);
    }
    this.sharedActive.delete(x);
    this.sharedMemo.set(x, ok);
    // The relation is symmetric: the peer need not compare again.
    p.sharedMemo.set(y, ok);
    return ok;
  }

  /** The canonical chain, or undefined when the table has no such user chain. */
  chain(table: string, name: string, depth = 0): ChainNode | undefined {
    const key = `${table}\u0000${name}`;
    const done = this.nodes.get(key);
    if (done) return done;
    const c = this.tables.get(table)?.get(name);
    const builtin = (BUILTIN_CHAINS[table as TableName] as readonly string[] | undefined)?.includes(name) ?? false;
    if (!c && !builtin) return undefined;
    this.visiting.add(key);
    const rules: RuleNode[] = [];
    for (const r of c?.rules ?? []) {
      if (isNoop(r)) continue;
      const cond = conditionText(r, this.family);
      const t = r.target!;
      let text: string;
      let jump: RuleNode["jump"];
      if (t.kind === "jump") {
        jump = { chain: t.chain, goto: t.goto };
        const k = `${table}\u0000${t.chain}`;
        let ref: string;
        // A chain both sides have verbatim is named: the same name means the same behaviour.
        if (this.shared(table, t.chain)) ref = `name:${t.chain}`;
        else if (this.visiting.has(k)) ref = `cycle:${t.chain}`;
        else if (depth >= MAX_NESTING) ref = `deep:${t.chain}`;
        else ref = this.chain(table, t.chain, depth + 1)?.hash ?? `undefined:${t.chain}`;
        text = `${cond} ${t.goto ? "-g" : "-j"} @${ref}`;
      } else text = `${cond} ${printTarget(t, this.family)}`;
      rules.push({ rule: r, cond, text, box: ruleBox(r, this.family), ...(jump ? { jump } : {}) });
    }
    this.visiting.delete(key);
    const policy = builtin ? (c?.policy ?? "ACCEPT") : "-";
    const order = normalOrder(rules);
    const normal = order.map((i) => rules[i]!);
    const node: ChainNode = {
      table,
      name,
      builtin,
      policy,
      rules: normal,
      hash: digest(`${policy}\n${normal.map((r) => r.text).join("\n")}`),
      writtenHash: digest(`${policy}\n${rules.map((r) => r.text).join("\n")}`),
      present: c !== undefined,
    };
    this.nodes.set(key, node);
    return node;
  }

  /** Every built-in chain of the tables iptables knows, present or not. */
  builtins(): { table: TableName; hook: Hook; node: ChainNode }[] {
    const out: { table: TableName; hook: Hook; node: ChainNode }[] = [];
    for (const table of TABLE_NAMES) for (const hook of BUILTIN_CHAINS[table]) out.push({ table, hook, node: this.chain(table, hook)! });
    return out;
  }

  /** The content hash of a chain of any table named `name` (for rename-invariant state names). */
  hashOfName(name: string): string | undefined {
    for (const t of this.tables.keys()) if (this.tables.get(t)!.has(name)) return this.chain(t, name)?.hash;
    return undefined;
  }
}

/** Most pairwise commutation checks per chain before settling for the written order. */
const MAX_CHECKS = 4_000_000;

/**
 * The lexicographically least ordering (by rule text) that keeps every pair of non-commuting rules in
 * written order. Falls back to the written order (always a valid ordering) when the chain is too large
 * to compare pairwise.
 */
export function normalOrder(rules: readonly RuleNode[]): number[] {
  const n = rules.length;
  const identity = rules.map((_, i) => i);
  if (n < 2) return identity;
  const succ: number[][] = rules.map(() => []);
  const indeg = new Int32Array(n);
  // Rules with a single destination address or port can only conflict with rules that have the same
  // one or none: index earlier rules by both.
  const byDst = new Map<bigint, number[]>();
  const byPort = new Map<number, number[]>();
  const noDst: number[] = [];
  const noPort: number[] = [];
  let checks = 0;
  const add = <K>(m: Map<K, number[]>, k: K, v: number) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  for (let j = 0; j < n; j++) {
    const bj = rules[j]!.box;
    const d = bj.dst && bj.dst[0] === bj.dst[1] ? bj.dst[0] : undefined;
    const p = bj.dport && bj.dport[0] === bj.dport[1] ? bj.dport[0] : undefined;
    // Candidates: the smaller of (same or no destination) and (same or no port); all earlier otherwise.
    let cand: Iterable<number>;
    if (d !== undefined && p !== undefined) {
      const a = byDst.get(d) ?? [];
      const b = byPort.get(p) ?? [];
      cand = a.length + noDst.length <= b.length + noPort.length ? [...a, ...noDst] : [...b, ...noPort];
    } else if (d !== undefined) cand = [...(byDst.get(d) ?? []), ...noDst];
    else if (p !== undefined) cand = [...(byPort.get(p) ?? []), ...noPort];
    else cand = Array.from({ length: j }, (_, i) => i);
    for (const i of cand) {
      if (++checks > MAX_CHECKS) return identity;
      if (!boxesDisjoint(rules[i]!.box, bj)) {
        succ[i]!.push(j);
        indeg[j]!++;
      }
    }
    if (d !== undefined) add(byDst, d, j);
    else noDst.push(j);
    if (p !== undefined) add(byPort, p, j);
    else noPort.push(j);
  }
  // Rules with different single destinations (or ports) never conflict: every conflicting pair was
  // tested, and has its edge.
  const less = (a: number, b: number) => {
    const ta = rules[a]!.text;
    const tb = rules[b]!.text;
    return ta < tb || (ta === tb && a < b);
  };
  const heap: number[] = [];
  const push = (x: number) => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) if (indeg[i] === 0) push(i);
  const out: number[] = [];
  while (heap.length) {
    const i = pop();
    out.push(i);
    for (const j of succ[i]!) if (--indeg[j]! === 0) push(j);
  }
  return out;
}

// ---- Comparing two rule sets ------------------------------------------------------------------------

/** A part of packet space where the rule sets may differ, as the given table and hook see packets. */
export interface Suspect {
  readonly cube: Cube;
  readonly hooks: ReadonlySet<Hook>;
}

export interface StructuralDiff {
  /** Header cubes (as packets arrive) outside which both rule sets behave identically. */
  readonly suspects: readonly Cube[];
  /** User chains present in both under different names with the same content (hash renames). */
  readonly renamed: number;
  /** Chains whose rules were reordered without changing behaviour. */
  readonly reordered: number;
  /** Built-in chains whose content differs. */
  readonly changedBuiltins: readonly { readonly table: string; readonly chain: string }[];
}

export class Comparison {
  private readonly memo = new Map<string, Cube[]>();
  private readonly active = new Set<string>();
  private readonly seenPairs = new Set<string>();
  renamed = 0;
  reordered = 0;

  constructor(
    readonly a: Structure,
    readonly b: Structure,
    readonly sa: RuleSpaces,
    readonly sb: RuleSpaces,
  ) {}

  private full(): Cube {
    return Cube.full(this.a.family);
  }

  /** Header cubes of the packets, entering chains `x` (old) and `y` (new), that may fare differently. */
  region(x: ChainNode, y: ChainNode): Cube[] {
    if (x.name === y.name && this.a.shared(x.table, x.name)) return [];
    if (x.hash === y.hash) {
      this.correspond(x, y);
      return [];
    }
    const key = `${x.hash}|${y.hash}`;
    const done = this.memo.get(key);
    if (done) return done;
    if (this.active.has(key)) return [this.full()];
    this.active.add(key);
    const out: Cube[] = [];
    if (x.policy !== y.policy) out.push(this.full());
    const pairs = align(
      x.rules.map((r) => r.text),
      y.rules.map((r) => r.text),
    );
    let pi = 0;
    let pj = 0;
    const gap = (i1: number, j1: number) => {
      if (i1 > pi || j1 > pj) this.gap(x, y, pi, i1, pj, j1, out);
    };
    for (const [i, j] of pairs) {
      gap(i, j);
      const rx = x.rules[i]!;
      const ry = y.rules[j]!;
      // Aligned jumps reach chains of equal content: count renames below (verbatim ones have none).
      if (rx.jump && ry.jump && !(rx.jump.chain === ry.jump.chain && this.a.shared(x.table, rx.jump.chain))) {
        const cx = this.a.chain(x.table, rx.jump.chain);
        const cy = this.b.chain(y.table, ry.jump.chain);
        if (cx && cy) this.correspond(cx, cy);
      }
      pi = i + 1;
      pj = j + 1;
    }
    gap(x.rules.length, y.rules.length);
    this.active.delete(key);
    const res = dedupe(out);
    this.memo.set(key, res);
    return res;
  }

  /** Unaligned rules x[i0:i1], y[j0:j1]: pair jumps with equal conditions, the rest is suspect. */
  private gap(x: ChainNode, y: ChainNode, i0: number, i1: number, j0: number, j1: number, out: Cube[]): void {
    const ga = x.rules.slice(i0, i1);
    const gb = y.rules.slice(j0, j1);
    const key = (r: RuleNode) => (r.jump ? `${r.cond}\u0001${r.jump.goto ? "g" : "j"}` : `${r.text}\u0002`);
    const paired = align(ga.map(key), gb.map(key));
    const doneA = new Set<number>();
    const doneB = new Set<number>();
    for (const [i, j] of paired) {
      const ra = ga[i]!;
      const rb = gb[j]!;
      if (!ra.jump || !rb.jump) continue;
      const cx = this.a.chain(x.table, ra.jump.chain);
      const cy = this.b.chain(y.table, rb.jump.chain);
      if (!cx || !cy) continue;
      doneA.add(i);
      doneB.add(j);
      const inner = this.region(cx, cy);
      if (!inner.length) continue;
      for (const c of this.sa.of(ra.rule).header)
        for (const d of inner) {
          const m = c.intersect(d);
          if (m) out.push(m);
        }
    }
    ga.forEach((r, i) => {
      if (!doneA.has(i)) out.push(...this.sa.of(r.rule).header);
    });
    gb.forEach((r, j) => {
      if (!doneB.has(j)) out.push(...this.sb.of(r.rule).header);
    });
  }

  /** Two chains with equal content: count renames and reorderings below them. */
  private correspond(x: ChainNode, y: ChainNode): void {
    // Below a chain both sides have verbatim there are no renames or reorderings.
    if (x.name === y.name && this.a.shared(x.table, x.name)) return;
    const k = `${x.table}\u0000${x.name}\u0000${y.name}`;
    if (this.seenPairs.has(k)) return;
    this.seenPairs.add(k);
    if (!x.builtin && x.name !== y.name) this.renamed++;
    if (x.writtenHash !== y.writtenHash && x.hash === y.hash) this.reordered++;
    if (x.hash !== y.hash) return;
    x.rules.forEach((rx, i) => {
      const ry = y.rules[i]!;
      if (!rx.jump || !ry.jump || (rx.jump.chain === ry.jump.chain && this.a.shared(x.table, rx.jump.chain))) return;
      const cx = this.a.chain(x.table, rx.jump.chain);
      const cy = this.b.chain(y.table, ry.jump.chain);
      if (cx && cy) this.correspond(cx, cy);
    });
  }

  /** Compare every built-in chain; suspects tagged with the hooks whose packets they describe. */
  run(): { suspects: Suspect[]; changedBuiltins: { table: string; chain: string }[] } {
    this.a.peer = this.b;
    this.b.peer = this.a;
    const byCube = new Map<string, { cube: Cube; hooks: Set<Hook> }>();
    const changed: { table: string; chain: string }[] = [];
    for (const table of TABLE_NAMES)
      for (const hook of BUILTIN_CHAINS[table]) {
        const present = this.a.rawChain(table, hook) || this.b.rawChain(table, hook);
        if (!present || this.a.shared(table, hook)) continue;
        const x = this.a.chain(table, hook)!;
        const y = this.b.chain(table, hook)!;
        if (x.hash !== y.hash) changed.push({ table, chain: hook });
        for (const cube of this.region(x, y)) {
          const k = cubeKey(cube);
          const s = byCube.get(k);
          if (s) s.hooks.add(hook);
          else byCube.set(k, { cube, hooks: new Set([hook]) });
        }
      }
    return { suspects: [...byCube.values()], changedBuiltins: changed };
  }
}

export function dedupe(cubes: readonly Cube[]): Cube[] {
  const seen = new Set<string>();
  const out: Cube[] = [];
  for (const c of cubes) {
    const k = cubeKey(c);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}

// ---- Pulling suspects back through NAT ------------------------------------------------------------

/**
 * Hooks whose tables see a packet after a NAT rule reached from `hook` rewrote it (netfilter's order;
 * see src/engine/pipeline.ts): nat PREROUTING → routing → INPUT/FORWARD → POSTROUTING; nat OUTPUT →
 * filter OUTPUT → POSTROUTING → and, for a local destination, PREROUTING and INPUT again through `lo`;
 * SNAT in POSTROUTING is seen again only by that loopback pass. Over-approximate on purpose.
 */
const SEEN_AFTER: Readonly<Record<Hook, readonly Hook[]>> = {
  PREROUTING: ["INPUT", "FORWARD", "POSTROUTING"],
  OUTPUT: ["OUTPUT", "POSTROUTING", "PREROUTING", "INPUT"],
  POSTROUTING: ["PREROUTING", "INPUT"],
  INPUT: ["INPUT"],
  FORWARD: ["FORWARD", "POSTROUTING"],
};

interface NatRule {
  readonly s: Structure;
  readonly sp: RuleSpaces;
  readonly table: string;
  readonly chain: string;
  /** Undefined for the pipeline's own rewrite (the loopback of local traffic). */
  readonly rule?: Rule;
  readonly effect: NatEffect;
}

const ALL_HOOKS: ReadonlySet<Hook> = new Set<Hook>(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);

/** The packets (header cubes, as they enter `table`) that can reach a chain, and from which hooks. */
export class Reach {
  private readonly refs = new Map<string, { chain: string; rule: Rule }[]>();
  private readonly memo = new Map<string, { cubes: Cube[]; hooks: Set<Hook> }>();
  private readonly active = new Set<string>();

  constructor(
    readonly s: Structure,
    readonly sp: RuleSpaces,
  ) {
    for (const table of TABLE_NAMES)
      for (const c of s.chains(table).values())
        for (const r of c.rules)
          if (r.target?.kind === "jump") {
            const k = `${table}\u0000${r.target.chain}`;
            const l = this.refs.get(k);
            if (l) l.push({ chain: c.name, rule: r });
            else this.refs.set(k, [{ chain: c.name, rule: r }]);
          }
  }

  of(table: string, chain: string): { cubes: Cube[]; hooks: Set<Hook> } {
    const key = `${table}\u0000${chain}`;
    const done = this.memo.get(key);
    if (done) return done;
    const all = { cubes: [Cube.full(this.s.family)], hooks: new Set<Hook>(BUILTIN_CHAINS[table as TableName] ?? []) };
    if (this.active.has(key)) return all;
    const builtin = (BUILTIN_CHAINS[table as TableName] as readonly string[] | undefined)?.includes(chain);
    let res: { cubes: Cube[]; hooks: Set<Hook> };
    if (builtin) res = { cubes: [Cube.full(this.s.family)], hooks: new Set([chain as Hook]) };
    else {
      this.active.add(key);
      const cubes: Cube[] = [];
      const hooks = new Set<Hook>();
      for (const ref of this.refs.get(key) ?? []) {
        const up = this.of(table, ref.chain);
        for (const h of up.hooks) hooks.add(h);
        for (const u of up.cubes)
          for (const c of this.sp.of(ref.rule).header) {
            const m = u.intersect(c);
            if (m) cubes.push(m);
          }
      }
      this.active.delete(key);
      const d = dedupe(cubes);
      res = d.length > 256 ? all : { cubes: d, hooks };
    }
    this.memo.set(key, res);
    return res;
  }
}

/**
 * Add to `suspects` the packets (as they arrive) that some NAT rule of either rule set can rewrite
 * into a suspect region of a later hook: `reach(rule) ∩ region with the rewritten fields freed`. Repeats
 * until nothing new appears (bounded; gives up to "everything" rather than stop early).
 */
export function natClosure(suspects: Suspect[], sets: readonly { s: Structure; sp: RuleSpaces }[], local: readonly IpAddr[]): Cube[] {
  const family = sets[0]!.s.family;
  const nat: NatRule[] = [];
  for (const { s, sp } of sets)
    for (const c of s.chains("nat").values())
      for (const r of c.rules) {
        const effect = natEffect(r.target, family, local);
        if (effect?.image) nat.push({ s, sp, table: "nat", chain: c.name, rule: r, effect });
      }
  // Locally generated packets to a local address come back through lo: PREROUTING and INPUT see
  // them with input interface lo, whatever hook the earlier rewrites happened in.
  nat.push({ s: sets[0]!.s, sp: sets[0]!.sp, table: "nat", chain: "", effect: loopbackEffect(family, local) });
  const reaches = new Map<Structure, Reach>(sets.map(({ s, sp }) => [s, new Reach(s, sp)]));
  const localSet = localAddrSet(family, local);

  const all = new Map<string, Suspect>();
  for (const s of suspects) all.set(cubeKey(s.cube) + [...s.hooks].join(","), s);
  // NAT rules by the single destination (DNAT to one endpoint) or else port they rewrite to.
  const byDst = new Map<bigint, NatRule[]>();
  const byPort = new Map<bigint, NatRule[]>();
  const other: NatRule[] = [];
  const add = (m: Map<bigint, NatRule[]>, k: bigint, n: NatRule) => {
    const l = m.get(k);
    if (l) l.push(n);
    else m.set(k, [n]);
  };
  for (const n of nat) {
    const v = (n.effect.image!.sets[F.dst] as IntervalSet | undefined)?.single();
    if (v !== undefined && n.effect.name !== "loopback") add(byDst, v, n);
    else other.push(n);
  }
  const portless: NatRule[] = [];
  for (const list of byDst.values())
    for (const n of list) {
      const p = (n.effect.image!.sets[F.dport] as IntervalSet | undefined)?.single();
      if (p !== undefined) add(byPort, p, n);
      else portless.push(n);
    }
  const candidates = (c: Cube): Iterable<NatRule> => {
    const d = (c.sets[F.dst] as IntervalSet | undefined)?.single();
    if (d !== undefined) return [...(byDst.get(d) ?? []), ...other];
    const p = (c.sets[F.dport] as IntervalSet | undefined)?.single();
    if (p !== undefined) return [...(byPort.get(p) ?? []), ...portless, ...other];
    return nat;
  };
  let pending = [...all.values()];
  for (let round = 0; pending.length; round++) {
    if (round >= 6) return [Cube.full(family)];
    const next: Suspect[] = [];
    for (const sus of pending)
      for (const n of candidates(sus.cube)) {
        if (!imageMeets(sus.cube, n.effect)) continue;
        const reach = n.rule ? reaches.get(n.s)!.of(n.table, n.chain) : { cubes: [Cube.full(family)], hooks: ALL_HOOKS };
        const seen = new Set<Hook>();
        for (const h of reach.hooks) for (const x of SEEN_AFTER[h]) seen.add(x);
        if (![...sus.hooks].some((h) => seen.has(h))) continue;
        const loopbackOnly = [...reach.hooks].every((h) => h === "POSTROUTING");
        if (loopbackOnly && !setMeets(sus.cube.sets[F.dst] as IntervalSet | undefined, localSet)) continue;
        const back = free(sus.cube, n.effect.fields);
        for (const r of reach.cubes)
          for (const h of n.rule ? n.sp.of(n.rule).header : [Cube.full(family)]) {
            const m = r.intersect(h)?.intersect(back);
            if (!m) continue;
            const k = cubeKey(m) + [...reach.hooks].join(",");
            if (all.has(k)) continue;
            const s: Suspect = { cube: m, hooks: reach.hooks };
            all.set(k, s);
            next.push(s);
          }
      }
    pending = next;
  }
  return dedupe([...all.values()].map((s) => s.cube));
}

function setMeets(a: IntervalSet | undefined, b: IntervalSet): boolean {
  return a === undefined || !a.intersect(b).isEmpty();
}

function imageMeets(c: Cube, e: NatEffect): boolean {
  if (e.name === "loopback") return c.meets(e.image!);
  for (const f of e.fields) {
    const a = c.sets[f] as IntervalSet | undefined;
    const b = e.image!.sets[f] as IntervalSet | undefined;
    if (!a || !b) continue;
    const v = b.single();
    if (v !== undefined ? !a.has(v) : a.intersect(b).isEmpty()) return false;
  }
  return true;
}
