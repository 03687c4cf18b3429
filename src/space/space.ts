/**
 * A Space: a set of packets as a finite union of cubes. Every operation is exact on what the cubes
 * represent; how faithfully a rule's conditions are represented is the business of compile.ts
 * (`RuleSpace.exact`).
 */
import type { Family } from "../net/addr.js";
import { Cube } from "./cube.js";
import type { SymPacket } from "./packet.js";

export class Space {
  private constructor(
    readonly family: Family,
    /** Non-empty cubes, possibly overlapping. */
    readonly cubes: readonly Cube[],
  ) {}

  static empty(family: Family): Space {
    return new Space(family, []);
  }
  static full(family: Family): Space {
    return new Space(family, [Cube.full(family)]);
  }
  static of(family: Family, cubes: readonly (Cube | null)[]): Space {
    return new Space(
      family,
      cubes.filter((c): c is Cube => c !== null),
    );
  }

  isEmpty(): boolean {
    return this.cubes.length === 0;
  }
  /** True when the space is every packet (exact; may subtract). */
  isFull(): boolean {
    return Space.full(this.family).subtract(this).isEmpty();
  }

  has(p: SymPacket): boolean {
    return this.cubes.some((c) => c.has(p));
  }

  intersect(o: Space): Space {
    if (this.cubes.length === 1 && o.cubes.length === 1) return Space.of(this.family, [this.cubes[0]!.intersect(o.cubes[0]!)]);
    const out: Cube[] = [];
    for (const a of this.cubes)
      for (const b of o.cubes) {
        const c = a.intersect(b);
        if (c) out.push(c);
      }
    return new Space(this.family, out);
  }

  /** The union; cubes of `o` already inside a cube of this are dropped. */
  union(o: Space): Space {
    if (this.isEmpty()) return o;
    if (o.isEmpty()) return this;
    const out = this.cubes.slice();
    for (const c of o.cubes) if (out.length > 64 || !out.some((d) => c.subsetOf(d))) out.push(c);
    return new Space(this.family, out);
  }

  /** this \ o, as disjoint cubes per cube of this. */
  subtract(o: Space): Space {
    let cur = this.cubes as Cube[];
    for (const b of o.cubes) {
      const next: Cube[] = [];
      for (const a of cur) for (const piece of a.subtract(b)) next.push(piece);
      cur = next;
      if (!cur.length) break;
    }
    return new Space(this.family, cur);
  }

  complement(): Space {
    return Space.full(this.family).subtract(this);
  }

  /** Whether every packet of `o` is in this. */
  contains(o: Space): boolean {
    // Fast path: each cube of o inside one cube of this.
    if (o.cubes.every((c) => this.cubes.some((d) => c.subsetOf(d)))) return true;
    return o.subtract(this).isEmpty();
  }

  equals(o: Space): boolean {
    return this.contains(o) && o.contains(this);
  }

  /** A packet of the space, or undefined when it is empty. */
  witness(): SymPacket | undefined {
    return this.cubes[0]?.pick();
  }

  toString(): string {
    return this.cubes.length ? this.cubes.map((c) => c.toString()).join(" ∪ ") : "∅";
  }
}
