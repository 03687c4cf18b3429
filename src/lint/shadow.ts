/**
 * Shadowed rules: a rule no packet can reach with its conditions met, because earlier rules of its
 * chain end the traversal of every packet it could match.
 *
 * Algorithm (per chain, one pass in rule order):
 * 1. A rule whose target stops the chain's traversal (effects.ts) and whose conditions are represented
 *    exactly becomes a *blocker*: its cubes go into two point indexes (by destination and by source
 *    prefix), tagged with its position and the fields its conditions read.
 * 2. A rule that may change packet fields (MARK, CONNMARK, a jump to a chain that does) is recorded:
 *    an earlier blocker whose conditions read a changed field no longer proves anything about packets
 *    after that rule (the packet may have been changed since), so it is skipped from then on. Blockers
 *    that do not read the changed field stay valid: the packet agrees with its earlier self on every
 *    field they read.
 * 3. For a candidate rule, R = the over-approximation of what it matches. Repeat: pick a packet p of R;
 *    find a valid blocker cube containing p through the indexes (no scan of the chain); if none, stop —
 *    p is a packet the earlier rules do not provably take, so the rule is not reported; otherwise
 *    subtract that blocker's cube from R. When R is empty, the blockers used cover the candidate:
 *    report it, after dropping blockers not needed for the cover (a minimal set).
 *
 * Exactness: a report means every packet the candidate could match (over-approximation: opaque
 * conditions dropped) lies in the union of earlier stopping rules' certain matches (under-
 * approximations: a blocker with an opaque or random condition is never used), each still valid for
 * the packet as it is when it reaches the candidate. Hence no packet reaching the candidate matches it.
 * A rule some packet can reach is never reported. Work per candidate is bounded (pieces of R, steps);
 * past the bound the rule is left unreported.
 */
import type { Chain, Rule, Table } from "../model/ast.js";
import type { Family } from "../net/addr.js";
import type { Cube } from "../space/cube.js";
import { FIELD_COUNT, FIELD_INDEX } from "../space/fields.js";
import type { SymPacket } from "../space/packet.js";
import { IntervalSet } from "../space/sets.js";
import type { LintContext } from "./context.js";

export interface Shadowing {
  readonly rule: Rule;
  /** 1-based index of the shadowed rule. */
  readonly index: number;
  /** The earlier rules that together take every packet it could match (minimal: none can be dropped). */
  readonly blockers: readonly Rule[];
}

/** Bounds per candidate (past them: not reported). */
const MAX_STEPS = 512;
const MAX_PIECES = 2048;

interface Entry {
  readonly pos: number;
  readonly cube: Cube;
  /** Fields the cube constrains. */
  readonly reads: number;
}

/** Cubes keyed by the prefix their address field lies in; others in `wide`. */
class PrefixIndex {
  private readonly byLen = new Map<number, Map<bigint, Entry[]>>();
  private lens: number[] = [];
  private readonly wide: Entry[] = [];
  size = 0;
  constructor(
    private readonly field: number,
    private readonly bits: number,
  ) {}

  insert(e: Entry): void {
    this.size++;
    const s = e.cube.sets[this.field] as IntervalSet | undefined;
    let len = 0;
    let key = 0n;
    if (s !== undefined) {
      const p = s.intervalCount === 1 ? prefixOf(s.r[0]!, s.r[1]!, this.bits) : null;
      if (p === null) {
        this.wide.push(e);
        return;
      }
      [len, key] = p;
    }
    let m = this.byLen.get(len);
    if (!m) {
      m = new Map();
      this.byLen.set(len, m);
      this.lens = [...this.byLen.keys()].sort((a, b) => a - b);
    }
    const l = m.get(key);
    if (l) l.push(e);
    else m.set(key, [e]);
  }

  /** The buckets that may hold a cube containing address v. */
  buckets(v: bigint): Entry[][] {
    const out: Entry[][] = [];
    if (this.wide.length) out.push(this.wide);
    for (const len of this.lens) {
      const l = this.byLen.get(len)!.get(len === 0 ? 0n : v >> BigInt(this.bits - len));
      if (l) out.push(l);
    }
    return out;
  }
}

/** [len, v >> (bits - len)] when [lo, hi] is exactly a CIDR block. */
function prefixOf(lo: bigint, hi: bigint, bits: number): [number, bigint] | null {
  const size = hi - lo + 1n;
  if ((size & (size - 1n)) !== 0n) return null;
  let host = 0;
  while (1n << BigInt(host) < size) host++;
  if ((lo & (size - 1n)) !== 0n) return null;
  return [bits - host, lo >> BigInt(host)];
}

const SRC = FIELD_INDEX.src;
const DST = FIELD_INDEX.dst;

/** Every shadowed rule of a chain. */
export function shadowedRules(ctx: LintContext, table: Table, chain: Chain, skip?: (r: Rule) => boolean): Shadowing[] {
  const rules = chain.rules;
  if (rules.length < 2) return [];
  const eff = ctx.effects(table);
  const effects = rules.map((r) => eff.effect(r));
  // Nothing can be shadowed before the first stopping rule.
  const first = effects.findIndex((e) => e.stops);
  if (first < 0 || first === rules.length - 1) return [];

  const family: Family = ctx.family;
  const bits = family === 4 ? 32 : 128;
  const byDst = new PrefixIndex(DST, bits);
  const bySrc = new PrefixIndex(SRC, bits);
  const lastMut = new Array<number>(FIELD_COUNT).fill(-1);
  const out: Shadowing[] = [];

  const valid = (e: Entry): boolean => {
    for (let f = 0, m = e.reads; m; f++, m >>= 1) if (m & 1 && lastMut[f]! > e.pos) return false;
    return true;
  };
  /** A valid blocker cube containing p. */
  const findBlocker = (p: SymPacket): Entry | undefined => {
    const a = byDst.buckets(p.dst);
    const b = bySrc.buckets(p.src);
    const count = (bs: Entry[][]) => bs.reduce((n, l) => n + l.length, 0);
    for (const bucket of count(a) <= count(b) ? a : b) for (const e of bucket) if (e.cube.has(p) && valid(e)) return e;
    return undefined;
  };

  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (i > first && byDst.size > 0 && !skip?.(r)) {
      const cand = ctx.space(r).over;
      // An unsatisfiable rule is unsatisfiable-rule's business, not blocked by anything.
      const used = cand.isEmpty() ? null : cover(cand.cubes, findBlocker);
      if (used) out.push({ rule: r, index: i + 1, blockers: minimize(cand.cubes, used).map((pos) => rules[pos]!) });
    }
    const e = effects[i]!;
    if (e.stops) {
      const s = ctx.space(r);
      for (const c of s.under.cubes) {
        const entry: Entry = { pos: i, cube: c, reads: c.constrainedMask };
        byDst.insert(entry);
        bySrc.insert(entry);
      }
    } else if (e.mutates) {
      for (let f = 0, m = e.mutates; m; f++, m >>= 1) if (m & 1) lastMut[f] = i;
    }
  }
  return out;
}

/**
 * Witness-driven cover: subtract from `cubes` the blocker containing a picked packet until nothing is
 * left (→ the blocker positions used) or a packet no blocker takes turns up (→ null).
 */
function cover(cubes: readonly Cube[], find: (p: SymPacket) => Entry | undefined): Entry[] | null {
  let rest = cubes.slice();
  const used: Entry[] = [];
  for (let step = 0; rest.length; step++) {
    if (step >= MAX_STEPS || rest.length > MAX_PIECES) return null;
    const p = rest[rest.length - 1]!.pick();
    const b = find(p);
    if (!b) return null;
    if (!used.includes(b)) used.push(b);
    const next: Cube[] = [];
    for (const c of rest) {
      if (!c.meets(b.cube)) next.push(c);
      else for (const piece of c.subtract(b.cube)) next.push(piece);
    }
    rest = next;
  }
  return used;
}

/**
 * Blocker positions, dropping those the cover does not need (latest first, so that the earliest rules
 * remain as the explanation). Only the cubes the cover used are tried (they are the valid ones).
 */
function minimize(cubes: readonly Cube[], used: readonly Entry[]): number[] {
  const positions = [...new Set(used.map((e) => e.pos))].sort((a, b) => a - b);
  if (positions.length === 1 || positions.length > 16) return positions;
  let keep = positions;
  for (const pos of [...positions].reverse()) {
    const trial = keep.filter((p) => p !== pos);
    if (covers(cubes, used.filter((e) => trial.includes(e.pos)).map((e) => e.cube))) keep = trial;
  }
  return keep;
}

function covers(cubes: readonly Cube[], blockers: readonly Cube[]): boolean {
  let rest = cubes.slice();
  for (const b of blockers) {
    const next: Cube[] = [];
    for (const c of rest) {
      if (!c.meets(b)) next.push(c);
      else for (const piece of c.subtract(b)) next.push(piece);
    }
    rest = next;
    if (!rest.length) return true;
    if (rest.length > MAX_PIECES) return false;
  }
  return rest.length === 0;
}
