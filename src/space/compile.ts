/**
 * SymExpr → sets. Every expression gets two spaces: `over`, which holds every packet the condition may
 * take, and `under`, which holds only packets it certainly takes. They are equal (and `exact` is true)
 * unless an opaque condition is involved: opaque is over = everything, under = nothing, and `not` swaps
 * the two (¬under ⊇ ¬X ⊇ ¬over).
 */
import type { Family } from "../net/addr.js";
import { Cube } from "./cube.js";
import type { SymExpr } from "./expr.js";
import { addrMax, enumSet, FIELD_INDEX, type AnySet } from "./fields.js";
import { BitSet, IfaceSet, IntervalSet, TernarySet } from "./sets.js";
import { Space } from "./space.js";

export interface Symbolic {
  /** Every packet the condition may hold for. */
  readonly over: Space;
  /** Only packets the condition holds for whatever the unrepresented state is. */
  readonly under: Space;
  /** over equals under: the condition is represented exactly. */
  readonly exact: boolean;
  /** Why not exact (the opaque conditions met), in order, without repeats. */
  readonly reasons: readonly string[];
}

const flagCache = new Map<string, BitSet>();

/** The field and set an atomic expression stands for. */
function atomSet(e: SymExpr, family: Family): [number, AnySet] | null {
  switch (e.op) {
    case "range": {
      const max = e.field === "src" || e.field === "dst" ? addrMax(family) : e.field === "proto" ? 255n : 65535n;
      return [FIELD_INDEX[e.field], IntervalSet.range(max, e.lo, e.hi)];
    }
    case "masked":
      return [FIELD_INDEX[e.field], TernarySet.pattern(e.value, e.mask)];
    case "iface":
      return [FIELD_INDEX[e.field], IfaceSet.name(e.name, e.prefix)];
    case "flags": {
      const key = `${e.mask}/${e.comp}`;
      let s = flagCache.get(key);
      if (!s) {
        s = BitSet.where(256, (v) => (v & e.mask) === e.comp);
        flagCache.set(key, s);
      }
      return [FIELD_INDEX.tcpFlags, s];
    }
    case "oneOf":
      return [FIELD_INDEX[e.field], enumSet(e.field, e.values)];
    default:
      return null;
  }
}

function complementSet(s: AnySet): AnySet {
  return (s as { complement(): AnySet }).complement();
}

/** Atom or negated atom → (field, set). */
function literal(e: SymExpr, family: Family): [number, AnySet] | null {
  if (e.op === "not") {
    const a = atomSet(e.arg, family);
    return a ? [a[0], complementSet(a[1])] : null;
  }
  return atomSet(e, family);
}

function exactly(space: Space): Symbolic {
  return { over: space, under: space, exact: true, reasons: [] };
}

/** Compile a condition to its over/under spaces. */
export function compile(e: SymExpr, family: Family): Symbolic {
  switch (e.op) {
    case "true":
      return exactly(Space.full(family));
    case "false":
      return exactly(Space.empty(family));
    case "opaque":
      return { over: Space.full(family), under: Space.empty(family), exact: false, reasons: [e.reason] };
    case "and": {
      // Fast path: literals narrow one cube; the rest is intersected as spaces.
      let cube: Cube | null = Cube.full(family);
      const rest: Symbolic[] = [];
      for (const a of e.args) {
        const lit = literal(a, family);
        if (lit) {
          if (cube) cube = cube.narrow(lit[0], lit[1]);
        } else rest.push(compile(a, family));
      }
      const base = exactly(Space.of(family, [cube]));
      return rest.reduce(andSym, base);
    }
    case "or":
      return e.args.map((a) => compile(a, family)).reduce(orSym, exactly(Space.empty(family)));
    case "not": {
      const lit = literal(e, family);
      if (lit) return exactly(Space.of(family, [Cube.full(family).narrow(lit[0], lit[1])]));
      const x = compile(e.arg, family);
      if (x.exact) return exactly(x.over.complement());
      return { over: x.under.complement(), under: x.over.complement(), exact: false, reasons: x.reasons };
    }
    default: {
      const lit = atomSet(e, family);
      if (!lit) throw new Error(`bug: unknown symbolic op ${(e as { op: string }).op}`);
      return exactly(Space.of(family, [Cube.full(family).narrow(lit[0], lit[1])]));
    }
  }
}

function mergeReasons(a: readonly string[], b: readonly string[]): string[] {
  return b.length ? [...new Set([...a, ...b])] : a.slice();
}

export function andSym(a: Symbolic, b: Symbolic): Symbolic {
  const over = a.over.intersect(b.over);
  if (a.exact && b.exact) return exactly(over);
  return { over, under: a.under.intersect(b.under), exact: false, reasons: mergeReasons(a.reasons, b.reasons) };
}

export function orSym(a: Symbolic, b: Symbolic): Symbolic {
  const over = a.over.union(b.over);
  if (a.exact && b.exact) return exactly(over);
  return { over, under: a.under.union(b.under), exact: false, reasons: mergeReasons(a.reasons, b.reasons) };
}
