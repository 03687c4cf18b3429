/**
 * A cube: the packets whose every field lies in that field's set (a conjunction of per-field
 * conditions, which is what one iptables rule without `or`-like matches is). Unconstrained fields are
 * stored as `undefined`; a cube is never empty (operations return null or drop empty pieces instead).
 */
import type { Family } from "../net/addr.js";
import { FIELD_COUNT, FIELD_NAMES, fullSet, type AnySet } from "./fields.js";
import type { SymPacket } from "./packet.js";
import { BitSet, IfaceSet, IntervalSet, TernarySet } from "./sets.js";

type Sets = readonly (AnySet | undefined)[];

function isEmptySet(s: AnySet): boolean {
  return s.isEmpty();
}

/** Cheap fullness test (IfaceSet: only the trivial form; a non-trivial full table stays stored). */
function isFullCheap(s: AnySet): boolean {
  if (s instanceof IfaceSet) return s.entries.size === 1 && s.entries.get("+") === true;
  return s.isFull();
}

function inter(a: AnySet, b: AnySet): AnySet {
  return (a as { intersect(o: AnySet): AnySet }).intersect(b);
}
function minus(a: AnySet, b: AnySet): AnySet {
  return (a as { subtract(o: AnySet): AnySet }).subtract(b);
}
function subset(a: AnySet, b: AnySet): boolean {
  return (a as { subsetOf(o: AnySet): boolean }).subsetOf(b);
}
function eq(a: AnySet, b: AnySet): boolean {
  return (a as { equals(o: AnySet): boolean }).equals(b);
}

export class Cube {
  private constructor(
    readonly family: Family,
    /** One entry per field (FIELD_NAMES order); undefined means any value. */
    readonly sets: Sets,
  ) {}

  static full(family: Family): Cube {
    return new Cube(family, new Array(FIELD_COUNT).fill(undefined));
  }

  /** A cube from per-field sets (undefined: any); null when some set is empty. */
  static of(family: Family, sets: Sets): Cube | null {
    const out: (AnySet | undefined)[] = new Array(FIELD_COUNT).fill(undefined);
    for (let i = 0; i < FIELD_COUNT; i++) {
      const s = sets[i];
      if (s === undefined) continue;
      if (isEmptySet(s)) return null;
      out[i] = isFullCheap(s) ? undefined : s;
    }
    return new Cube(family, out);
  }

  /** Bit i set when field i is constrained. */
  get constrainedMask(): number {
    let m = 0;
    for (let i = 0; i < FIELD_COUNT; i++) if (this.sets[i] !== undefined) m |= 1 << i;
    return m;
  }

  get(i: number): AnySet {
    return this.sets[i] ?? fullSet(i, this.family);
  }

  /** This cube with field i narrowed to `s`; null when that leaves nothing. */
  narrow(i: number, s: AnySet): Cube | null {
    const cur = this.sets[i];
    const next = cur === undefined ? s : inter(cur, s);
    if (isEmptySet(next)) return null;
    const sets = this.sets.slice();
    sets[i] = isFullCheap(next) ? undefined : next;
    return new Cube(this.family, sets);
  }

  intersect(o: Cube): Cube | null {
    const sets: (AnySet | undefined)[] = new Array(FIELD_COUNT);
    for (let i = 0; i < FIELD_COUNT; i++) {
      const a = this.sets[i];
      const b = o.sets[i];
      if (a === undefined) sets[i] = b;
      else if (b === undefined) sets[i] = a;
      else {
        const c = inter(a, b);
        if (isEmptySet(c)) return null;
        sets[i] = c;
      }
    }
    return new Cube(this.family, sets);
  }

  /** Whether the two cubes share a packet (cheaper than intersect: no allocation when they do not). */
  meets(o: Cube): boolean {
    for (let i = 0; i < FIELD_COUNT; i++) {
      const a = this.sets[i];
      const b = o.sets[i];
      if (a !== undefined && b !== undefined && isEmptySet(inter(a, b))) return false;
    }
    return true;
  }

  /**
   * this \ o as disjoint cubes: for each field i that o constrains, the packets that agree with o on
   * the fields before i and leave o's set at field i. At most one cube per constrained field of o.
   */
  subtract(o: Cube): Cube[] {
    if (!this.meets(o)) return [this];
    const out: Cube[] = [];
    let cur: (AnySet | undefined)[] = this.sets.slice();
    for (let i = 0; i < FIELD_COUNT; i++) {
      const b = o.sets[i];
      if (b === undefined) continue;
      const a = cur[i] ?? fullSet(i, this.family);
      const outside = minus(a, b);
      if (!isEmptySet(outside)) {
        const sets = cur.slice();
        sets[i] = outside;
        out.push(new Cube(this.family, sets));
      }
      const inside = inter(a, b);
      // meets() guarantees inside is non-empty.
      cur = cur.slice();
      cur[i] = isFullCheap(inside) ? undefined : inside;
    }
    return out;
  }

  subsetOf(o: Cube): boolean {
    for (let i = 0; i < FIELD_COUNT; i++) {
      const b = o.sets[i];
      if (b === undefined) continue;
      const a = this.sets[i];
      if (a === undefined) {
        if (!b.isFull()) return false;
      } else if (!subset(a, b)) return false;
    }
    return true;
  }

  equals(o: Cube): boolean {
    for (let i = 0; i < FIELD_COUNT; i++) {
      const a = this.sets[i];
      const b = o.sets[i];
      if (a === undefined && b === undefined) continue;
      if (!eq(a ?? fullSet(i, this.family), b ?? fullSet(i, this.family))) return false;
    }
    return true;
  }

  has(p: SymPacket): boolean {
    for (let i = 0; i < FIELD_COUNT; i++) {
      const s = this.sets[i];
      if (s !== undefined && !setHas(s, i, p)) return false;
    }
    return true;
  }

  /** A packet of the cube: the smallest value of each field (interfaces: a name the set holds). */
  pick(): SymPacket {
    const v = (i: number): bigint | number | string | undefined => {
      const s = this.sets[i];
      if (s === undefined) return undefined;
      if (s instanceof IntervalSet) return s.first();
      if (s instanceof BitSet) return s.first();
      if (s instanceof TernarySet) return s.first();
      return s.witness();
    };
    const num = (i: number, d = 0) => {
      const x = v(i);
      return x === undefined ? d : Number(x);
    };
    return {
      family: this.family,
      src: (v(0) as bigint | undefined) ?? 0n,
      dst: (v(1) as bigint | undefined) ?? 0n,
      proto: num(2),
      sport: num(3),
      dport: num(4),
      icmp: num(5),
      frag: num(6),
      tcpFlags: num(7),
      inIface: (v(8) as string | undefined) ?? "",
      outIface: (v(9) as string | undefined) ?? "",
      mark: num(10),
      connmark: num(11),
      ctstate: num(12),
      ctstatus: num(13),
      srcType: num(14),
      dstType: num(15),
    };
  }

  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < FIELD_COUNT; i++) {
      const s = this.sets[i];
      if (s !== undefined) parts.push(`${FIELD_NAMES[i]}=${s.toString()}`);
    }
    return parts.length ? `[${parts.join(" ")}]` : "[*]";
  }
}

function setHas(s: AnySet, i: number, p: SymPacket): boolean {
  switch (i) {
    case 0:
      return (s as IntervalSet).has(p.src);
    case 1:
      return (s as IntervalSet).has(p.dst);
    case 2:
      return (s as IntervalSet).has(BigInt(p.proto));
    case 3:
      return (s as IntervalSet).has(BigInt(p.sport));
    case 4:
      return (s as IntervalSet).has(BigInt(p.dport));
    case 5:
      return (s as IntervalSet).has(BigInt(p.icmp));
    case 6:
      return (s as BitSet).has(p.frag);
    case 7:
      return (s as BitSet).has(p.tcpFlags);
    case 8:
      return (s as IfaceSet).has(p.inIface);
    case 9:
      return (s as IfaceSet).has(p.outIface);
    case 10:
      return (s as TernarySet).has(p.mark);
    case 11:
      return (s as TernarySet).has(p.connmark);
    case 12:
      return (s as BitSet).has(p.ctstate);
    case 13:
      return (s as BitSet).has(p.ctstatus);
    case 14:
      return (s as BitSet).has(p.srcType);
    case 15:
      return (s as BitSet).has(p.dstType);
    default:
      throw new Error(`bug: field ${i}`);
  }
}
