/**
 * Sets over one packet field, each closed under intersection, union and complement (so a cube minus a
 * cube is a few cubes, see cube.ts). Values are immutable; operations return new sets.
 *
 * - IntervalSet: integers in [0, max] as sorted disjoint intervals (addresses, ports, protocols, ICMP).
 * - BitSet: subsets of a small universe {0 … n-1} as a bigint bit mask (fragment, TCP flag bytes,
 *   conntrack state combinations, address-type combinations).
 * - TernarySet: 32-bit words as disjoint value/mask patterns (skb mark, connmark).
 * - IfaceSet: interface names as a longest-prefix table of exact names and `prefix+` wildcards.
 */

export interface FieldSet<S> {
  isEmpty(): boolean;
  isFull(): boolean;
  intersect(o: S): S;
  union(o: S): S;
  subtract(o: S): S;
  complement(): S;
  equals(o: S): boolean;
  /** Whether every value of this set is in `o`. */
  subsetOf(o: S): boolean;
  toString(): string;
}

// ---- IntervalSet ---------------------------------------------------------------------------------

/** Integers in [0, max], as sorted, disjoint, non-adjacent closed intervals [lo0, hi0, lo1, hi1, …]. */
export class IntervalSet implements FieldSet<IntervalSet> {
  private constructor(
    readonly max: bigint,
    /** Flat list of bounds, lo/hi alternating. */
    readonly r: readonly bigint[],
  ) {}

  static empty(max: bigint): IntervalSet {
    return new IntervalSet(max, []);
  }
  static full(max: bigint): IntervalSet {
    return new IntervalSet(max, [0n, max]);
  }
  /** [lo, hi] clipped to the universe. */
  static range(max: bigint, lo: bigint, hi: bigint): IntervalSet {
    if (lo < 0n) lo = 0n;
    if (hi > max) hi = max;
    return lo > hi ? IntervalSet.empty(max) : new IntervalSet(max, [lo, hi]);
  }
  /** From possibly overlapping, unsorted intervals. */
  static of(max: bigint, pairs: readonly (readonly [bigint, bigint])[]): IntervalSet {
    const ps = pairs
      .map(([a, b]) => [a < 0n ? 0n : a, b > max ? max : b] as const)
      .filter(([a, b]) => a <= b)
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const out: bigint[] = [];
    for (const [a, b] of ps) {
      const n = out.length;
      if (n && a <= out[n - 1]! + 1n) {
        if (b > out[n - 1]!) out[n - 1] = b;
      } else out.push(a, b);
    }
    return new IntervalSet(max, out);
  }

  get intervalCount(): number {
    return this.r.length / 2;
  }
  isEmpty(): boolean {
    return this.r.length === 0;
  }
  isFull(): boolean {
    return this.r.length === 2 && this.r[0] === 0n && this.r[1] === this.max;
  }
  has(v: bigint): boolean {
    const r = this.r;
    // Binary search for the last lo ≤ v.
    let lo = 0;
    let hi = r.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid]! <= v) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && v <= r[2 * hi + 1]!;
  }
  /** Smallest value, or undefined when empty. */
  first(): bigint | undefined {
    return this.r[0];
  }
  /** Smallest and largest value (the hull), or undefined when empty. */
  hull(): [bigint, bigint] | undefined {
    return this.r.length ? [this.r[0]!, this.r[this.r.length - 1]!] : undefined;
  }
  /** The single value, when the set has exactly one. */
  single(): bigint | undefined {
    return this.r.length === 2 && this.r[0] === this.r[1] ? this.r[0] : undefined;
  }
  intervals(): [bigint, bigint][] {
    const out: [bigint, bigint][] = [];
    for (let i = 0; i < this.r.length; i += 2) out.push([this.r[i]!, this.r[i + 1]!]);
    return out;
  }

  intersect(o: IntervalSet): IntervalSet {
    if (this.isFull()) return o;
    if (o.isFull()) return this;
    const a = this.r;
    const b = o.r;
    const out: bigint[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const lo = a[i]! > b[j]! ? a[i]! : b[j]!;
      const hi = a[i + 1]! < b[j + 1]! ? a[i + 1]! : b[j + 1]!;
      if (lo <= hi) out.push(lo, hi);
      if (a[i + 1]! < b[j + 1]!) i += 2;
      else j += 2;
    }
    return new IntervalSet(this.max, out);
  }

  union(o: IntervalSet): IntervalSet {
    if (this.isEmpty()) return o;
    if (o.isEmpty()) return this;
    const a = this.r;
    const b = o.r;
    const out: bigint[] = [];
    let i = 0;
    let j = 0;
    const push = (lo: bigint, hi: bigint) => {
      const n = out.length;
      if (n && lo <= out[n - 1]! + 1n) {
        if (hi > out[n - 1]!) out[n - 1] = hi;
      } else out.push(lo, hi);
    };
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
        push(a[i]!, a[i + 1]!);
        i += 2;
      } else {
        push(b[j]!, b[j + 1]!);
        j += 2;
      }
    }
    return new IntervalSet(this.max, out);
  }

  complement(): IntervalSet {
    const out: bigint[] = [];
    let next = 0n;
    for (let i = 0; i < this.r.length; i += 2) {
      if (this.r[i]! > next) out.push(next, this.r[i]! - 1n);
      next = this.r[i + 1]! + 1n;
    }
    if (next <= this.max) out.push(next, this.max);
    return new IntervalSet(this.max, out);
  }

  subtract(o: IntervalSet): IntervalSet {
    if (o.isEmpty() || this.isEmpty()) return this;
    if (o.isFull()) return IntervalSet.empty(this.max);
    return this.intersect(o.complement());
  }

  equals(o: IntervalSet): boolean {
    if (this.r.length !== o.r.length) return false;
    for (let i = 0; i < this.r.length; i++) if (this.r[i] !== o.r[i]) return false;
    return true;
  }

  subsetOf(o: IntervalSet): boolean {
    if (o.isFull() || this.isEmpty()) return true;
    // Every interval of this lies inside one interval of o.
    let j = 0;
    const b = o.r;
    for (let i = 0; i < this.r.length; i += 2) {
      const lo = this.r[i]!;
      const hi = this.r[i + 1]!;
      while (j < b.length && b[j + 1]! < lo) j += 2;
      if (j >= b.length || b[j]! > lo || b[j + 1]! < hi) return false;
    }
    return true;
  }

  toString(): string {
    if (this.isFull()) return "*";
    return this.intervals()
      .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))
      .join(",");
  }
}

// ---- BitSet ---------------------------------------------------------------------------------------

/** A subset of {0, …, n-1}, bit i set when i is in it. */
export class BitSet implements FieldSet<BitSet> {
  private constructor(
    readonly n: number,
    readonly bits: bigint,
  ) {}
  static empty(n: number): BitSet {
    return new BitSet(n, 0n);
  }
  static full(n: number): BitSet {
    return new BitSet(n, (1n << BigInt(n)) - 1n);
  }
  static of(n: number, bits: bigint): BitSet {
    return new BitSet(n, bits & ((1n << BigInt(n)) - 1n));
  }
  /** The values v in {0 … n-1} with pred(v). */
  static where(n: number, pred: (v: number) => boolean): BitSet {
    let b = 0n;
    for (let v = 0; v < n; v++) if (pred(v)) b |= 1n << BigInt(v);
    return new BitSet(n, b);
  }
  isEmpty(): boolean {
    return this.bits === 0n;
  }
  isFull(): boolean {
    return this.bits === (1n << BigInt(this.n)) - 1n;
  }
  has(v: number): boolean {
    return v >= 0 && v < this.n && ((this.bits >> BigInt(v)) & 1n) === 1n;
  }
  /** Lowest member, or undefined. */
  first(): number | undefined {
    if (this.bits === 0n) return undefined;
    let v = 0;
    let b = this.bits;
    // Skip 32 zero bits at a time (universes go up to 4096).
    while ((b & 0xffffffffn) === 0n) {
      b >>= 32n;
      v += 32;
    }
    while ((b & 1n) === 0n) {
      b >>= 1n;
      v++;
    }
    return v;
  }
  members(): number[] {
    const out: number[] = [];
    for (let v = 0; v < this.n; v++) if (this.has(v)) out.push(v);
    return out;
  }
  intersect(o: BitSet): BitSet {
    return new BitSet(this.n, this.bits & o.bits);
  }
  union(o: BitSet): BitSet {
    return new BitSet(this.n, this.bits | o.bits);
  }
  subtract(o: BitSet): BitSet {
    return new BitSet(this.n, this.bits & ~o.bits);
  }
  complement(): BitSet {
    return new BitSet(this.n, ((1n << BigInt(this.n)) - 1n) & ~this.bits);
  }
  equals(o: BitSet): boolean {
    return this.bits === o.bits;
  }
  subsetOf(o: BitSet): boolean {
    return (this.bits & ~o.bits) === 0n;
  }
  toString(): string {
    if (this.isFull()) return "*";
    if (this.n > 256) return `{${this.n - this.complement().members().length} of ${this.n}}`;
    return `{${this.members().join(",")}}`;
  }
}

// ---- TernarySet -----------------------------------------------------------------------------------

/** `{ x : (x & mask) == value }` over 32-bit words. */
export interface Pattern {
  readonly value: number;
  readonly mask: number;
}

function patIntersect(a: Pattern, b: Pattern): Pattern | null {
  const common = (a.mask & b.mask) >>> 0;
  if (((a.value ^ b.value) & common) >>> 0 !== 0) return null;
  return { value: (a.value | b.value) >>> 0, mask: (a.mask | b.mask) >>> 0 };
}

/** a \ b as disjoint patterns. */
function patSubtract(a: Pattern, b: Pattern): Pattern[] {
  if (!patIntersect(a, b)) return [a];
  // Bits b constrains that a leaves free: x ∈ a \ b iff x differs from b on one of them; split on the
  // first differing bit so the pieces are disjoint.
  let free = (b.mask & ~a.mask) >>> 0;
  const out: Pattern[] = [];
  let cur = a;
  while (free) {
    const bit = (free & -free) >>> 0;
    free = (free & ~bit) >>> 0;
    const bv = (b.value & bit) >>> 0;
    out.push({ value: (cur.value | (bv ^ bit)) >>> 0, mask: (cur.mask | bit) >>> 0 });
    cur = { value: (cur.value | bv) >>> 0, mask: (cur.mask | bit) >>> 0 };
  }
  return out;
}

/** 32-bit words as a union of disjoint value/mask patterns. */
export class TernarySet implements FieldSet<TernarySet> {
  private constructor(readonly pats: readonly Pattern[]) {}
  static empty(): TernarySet {
    return new TernarySet([]);
  }
  static full(): TernarySet {
    return new TernarySet([{ value: 0, mask: 0 }]);
  }
  static pattern(value: number, mask: number): TernarySet {
    return new TernarySet([{ value: (value & mask) >>> 0, mask: mask >>> 0 }]);
  }
  isEmpty(): boolean {
    return this.pats.length === 0;
  }
  isFull(): boolean {
    return this.pats.length === 1 && this.pats[0]!.mask === 0;
  }
  has(v: number): boolean {
    return this.pats.some((p) => ((v & p.mask) >>> 0) === p.value);
  }
  first(): number | undefined {
    let best: number | undefined;
    for (const p of this.pats) if (best === undefined || p.value < best) best = p.value;
    return best;
  }
  intersect(o: TernarySet): TernarySet {
    if (this.isFull()) return o;
    if (o.isFull()) return this;
    const out: Pattern[] = [];
    for (const a of this.pats)
      for (const b of o.pats) {
        const c = patIntersect(a, b);
        if (c) out.push(c);
      }
    return new TernarySet(out);
  }
  subtract(o: TernarySet): TernarySet {
    let cur = this.pats as Pattern[];
    for (const b of o.pats) {
      const next: Pattern[] = [];
      for (const a of cur) next.push(...patSubtract(a, b));
      cur = next;
      if (!cur.length) break;
    }
    return new TernarySet(cur);
  }
  union(o: TernarySet): TernarySet {
    if (this.isFull() || o.isEmpty()) return this;
    if (o.isFull() || this.isEmpty()) return o;
    return new TernarySet([...this.pats, ...o.subtract(this).pats]);
  }
  complement(): TernarySet {
    return TernarySet.full().subtract(this);
  }
  subsetOf(o: TernarySet): boolean {
    return this.subtract(o).isEmpty();
  }
  equals(o: TernarySet): boolean {
    return this.subsetOf(o) && o.subsetOf(this);
  }
  toString(): string {
    if (this.isFull()) return "*";
    return this.pats.map((p) => `0x${p.value.toString(16)}/0x${p.mask.toString(16)}`).join("|");
  }
}

// ---- IfaceSet -------------------------------------------------------------------------------------

/** Longest interface name the kernel allows (IFNAMSIZ - 1). */
export const IFNAME_MAX = 15;
/** Characters tried when looking for a name no entry mentions (any of these is valid in a name). */
const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@#%^&*=~";

/**
 * Sets of interface names, as a longest-match table: entries `=name` (exactly that name) and `+prefix`
 * (names starting with prefix); a name is in the set when its most specific entry says so (an exact
 * entry beats any prefix, a longer prefix beats a shorter one). The root `+` (all names, the empty name
 * of "no interface" included) is always present. Closed under complement (flip every decision) and
 * under pointwise operations (evaluate both tables on the union of their keys).
 */
export class IfaceSet implements FieldSet<IfaceSet> {
  private constructor(
    /** Keys `=name` / `+prefix` → member? Canonical: no entry repeats the decision it inherits. */
    readonly entries: ReadonlyMap<string, boolean>,
  ) {}
  static full(): IfaceSet {
    return new IfaceSet(new Map([["+", true]]));
  }
  static empty(): IfaceSet {
    return new IfaceSet(new Map([["+", false]]));
  }
  /** `-i name` (exact) or `-i name+` (prefix). */
  static name(name: string, prefix: boolean): IfaceSet {
    if (prefix && name === "") return IfaceSet.full();
    return new IfaceSet(new Map([["+", false], [(prefix ? "+" : "=") + name, true]]));
  }

  /** Decision for the names whose most specific prefix entry is the longest entry prefix of `p`. */
  private prefixDecision(p: string): boolean {
    for (let k = p.length; k >= 0; k--) {
      const d = this.entries.get("+" + p.slice(0, k));
      if (d !== undefined) return d;
    }
    return false; // unreachable: the root is always present
  }
  has(name: string): boolean {
    const d = this.entries.get("=" + name);
    return d !== undefined ? d : this.prefixDecision(name);
  }
  /** Decision of this table for the class of names a key of a (finer) table stands for. */
  private decide(key: string): boolean {
    return key[0] === "=" ? this.has(key.slice(1)) : this.prefixDecision(key.slice(1));
  }

  private static build(keys: Iterable<string>, decide: (k: string) => boolean): IfaceSet {
    // Shorter keys first (a prefix entry before the exact name of the same text), so that what a key
    // inherits is known when it is visited; keep only entries that change the inherited decision.
    const sorted = [...new Set([...keys, "+"])].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    const out = new Map<string, boolean>();
    const view = new IfaceSet(out);
    for (const k of sorted) {
      const d = decide(k);
      if (k === "+") {
        out.set(k, d);
        continue;
      }
      const name = k.slice(1);
      const inherited = k[0] === "=" ? view.prefixDecision(name) : view.prefixDecisionProper(name);
      if (d !== inherited) out.set(k, d);
    }
    return new IfaceSet(out);
  }
  /** Like prefixDecision, but only entries strictly shorter than p. */
  private prefixDecisionProper(p: string): boolean {
    for (let k = p.length - 1; k >= 0; k--) {
      const d = this.entries.get("+" + p.slice(0, k));
      if (d !== undefined) return d;
    }
    return false;
  }

  private combine(o: IfaceSet, f: (a: boolean, b: boolean) => boolean): IfaceSet {
    return IfaceSet.build([...this.entries.keys(), ...o.entries.keys()], (k) => f(this.decide(k), o.decide(k)));
  }
  intersect(o: IfaceSet): IfaceSet {
    if (this.isFullFast()) return o;
    if (o.isFullFast()) return this;
    return this.combine(o, (a, b) => a && b);
  }
  union(o: IfaceSet): IfaceSet {
    return this.combine(o, (a, b) => a || b);
  }
  subtract(o: IfaceSet): IfaceSet {
    return this.combine(o, (a, b) => a && !b);
  }
  complement(): IfaceSet {
    const m = new Map<string, boolean>();
    for (const [k, v] of this.entries) m.set(k, !v);
    return new IfaceSet(m);
  }
  private isFullFast(): boolean {
    return this.entries.size === 1 && this.entries.get("+") === true;
  }

  /**
   * A member, or undefined when the set is empty. Exact names are members when their entry says so;
   * the class of a prefix entry is searched for a name of at most IFNAME_MAX characters that no more
   * specific entry claims. The search is bounded: when it gives up, the set is reported non-empty
   * (`witness` returns the prefix itself as a stand-in), which only ever makes reasoning more cautious.
   */
  witness(): string | undefined {
    for (const [k, v] of this.entries) if (v && k[0] === "=") return k.slice(1);
    for (const [k, v] of this.entries) {
      if (!v || k[0] !== "+") continue;
      const w = this.classMember(k.slice(1));
      if (w !== undefined) return w;
    }
    return undefined;
  }
  private inClass(p: string, w: string): boolean {
    if (w.length > IFNAME_MAX) return false;
    if (this.entries.has("=" + w)) return false;
    for (let k = w.length; k > p.length; k--) if (this.entries.has("+" + w.slice(0, k))) return false;
    return true;
  }
  private classMember(p: string): string | undefined {
    if (p.length > IFNAME_MAX) return undefined;
    if (this.inClass(p, p)) return p;
    // Breadth-first over extensions of p, descending only below names an exact entry claims (a prefix
    // entry claims the whole subtree; a free name is returned at once).
    let frontier = [p];
    let truncated = false;
    for (let depth = p.length + 1; depth <= IFNAME_MAX && frontier.length; depth++) {
      const next: string[] = [];
      for (const f of frontier)
        for (const c of NAME_CHARS) {
          const w = f + c;
          if (this.inClass(p, w)) return w;
          if (this.entries.has("+" + w)) continue;
          if (next.length < 64) next.push(w);
          else truncated = true;
        }
      frontier = next;
    }
    // Gave up without proof of emptiness: call it non-empty (the cautious answer).
    return truncated ? p : undefined;
  }
  isEmpty(): boolean {
    return this.witness() === undefined;
  }
  isFull(): boolean {
    return this.complement().isEmpty();
  }
  subsetOf(o: IfaceSet): boolean {
    return this.subtract(o).isEmpty();
  }
  equals(o: IfaceSet): boolean {
    return this.subsetOf(o) && o.subsetOf(this);
  }
  toString(): string {
    if (this.isFullFast()) return "*";
    const parts: string[] = [];
    for (const [k, v] of this.entries) parts.push(`${v ? "" : "!"}${k[0] === "+" ? `${k.slice(1)}+` : k.slice(1)}`);
    return parts.join(",");
  }
}
