/**
 * The set algebra of src/space, checked by membership of concrete packets: random conditions over small
 * value ranges (so that random packets land on interval ends, shared prefixes and mask bits), compiled
 * to spaces, against a direct evaluation of the same conditions.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile, Space, type SymExpr, type SymPacket } from "../../src/space/index.js";
import { ADDR_TYPES, CT_STATUS, ctstateWords } from "../../src/space/fields.js";
import { IfaceSet, IntervalSet, TernarySet } from "../../src/space/sets.js";

const FAMILY = 4;
const NAMES = ["", "eth0", "eth1", "eth", "veth0", "cali1", "cali12", "lo"];
const PREFIXES = ["", "e", "eth", "veth", "cali", "cali1"];
const STATES = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"];

// ---- Random conditions ----------------------------------------------------------------------------

const small = (max: number) => fc.integer({ min: 0, max });
const rangeAtom: fc.Arbitrary<SymExpr> = fc
  .tuple(fc.constantFrom("src", "dst", "proto", "sport", "dport", "icmp") as fc.Arbitrary<"src" | "dst" | "proto" | "sport" | "dport" | "icmp">, small(20), small(20))
  .map(([field, a, b]) => ({ op: "range", field, lo: BigInt(Math.min(a, b)), hi: BigInt(Math.max(a, b)) }));
const maskAtom: fc.Arbitrary<SymExpr> = fc
  .tuple(fc.constantFrom("mark", "connmark") as fc.Arbitrary<"mark" | "connmark">, small(15), small(15))
  .map(([field, value, mask]) => ({ op: "masked", field, value: value & mask, mask }));
const ifaceAtom: fc.Arbitrary<SymExpr> = fc.oneof(
  fc.tuple(fc.constantFrom("inIface", "outIface") as fc.Arbitrary<"inIface" | "outIface">, fc.constantFrom(...NAMES)).map(([field, name]) => ({ op: "iface", field, name, prefix: false }) as SymExpr),
  fc.tuple(fc.constantFrom("inIface", "outIface") as fc.Arbitrary<"inIface" | "outIface">, fc.constantFrom(...PREFIXES)).map(([field, name]) => ({ op: "iface", field, name, prefix: true }) as SymExpr),
);
const flagsAtom: fc.Arbitrary<SymExpr> = fc.tuple(small(255), small(255)).map(([mask, comp]) => ({ op: "flags", mask, comp: comp & mask }));
const enumAtom: fc.Arbitrary<SymExpr> = fc.oneof(
  fc.subarray(STATES, { minLength: 1 }).map((values) => ({ op: "oneOf", field: "ctstate", values }) as SymExpr),
  fc.subarray([...CT_STATUS], { minLength: 1 }).map((values) => ({ op: "oneOf", field: "ctstatus", values }) as SymExpr),
  fc.subarray(["first", "later"], { minLength: 1 }).map((values) => ({ op: "oneOf", field: "frag", values }) as SymExpr),
  fc.subarray(["LOCAL", "UNICAST", "BROADCAST"], { minLength: 1 }).map((values) => ({ op: "oneOf", field: "dstType", values }) as SymExpr),
);
const atom = fc.oneof(rangeAtom, rangeAtom, maskAtom, ifaceAtom, ifaceAtom, flagsAtom, enumAtom);

const expr: fc.Arbitrary<SymExpr> = fc.letrec<{ e: SymExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    fc.array(tie("e"), { minLength: 1, maxLength: 3 }).map((args) => ({ op: "and", args }) as SymExpr),
    fc.array(tie("e"), { minLength: 1, maxLength: 3 }).map((args) => ({ op: "or", args }) as SymExpr),
    tie("e").map((arg) => ({ op: "not", arg }) as SymExpr),
  ),
})).e;

const exprWithOpaque: fc.Arbitrary<SymExpr> = fc
  .tuple(expr, fc.constantFrom("a", "b"), fc.boolean())
  .map(([e, reason, neg]) => {
    const o: SymExpr = { op: "opaque", reason };
    return { op: "and", args: [e, neg ? { op: "not", arg: o } : o] } as SymExpr;
  });

const packet: fc.Arbitrary<SymPacket> = fc.record({
  family: fc.constant(FAMILY as 4),
  src: small(22).map(BigInt),
  dst: small(22).map(BigInt),
  proto: small(22),
  sport: small(22),
  dport: small(22),
  icmp: small(22),
  frag: small(1),
  tcpFlags: small(255),
  inIface: fc.constantFrom(...NAMES, "eth9", "ethx", "c"),
  outIface: fc.constantFrom(...NAMES, "eth9", "ethx", "c"),
  mark: small(31),
  connmark: small(31),
  ctstate: small(19),
  ctstatus: small(15),
  srcType: small(4095),
  dstType: small(4095),
});

// ---- Reference semantics ----------------------------------------------------------------------------

/** Direct evaluation; `oracle` answers opaque conditions. */
function holds(e: SymExpr, p: SymPacket, oracle: (reason: string) => boolean): boolean {
  switch (e.op) {
    case "true":
      return true;
    case "false":
      return false;
    case "opaque":
      return oracle(e.reason);
    case "and":
      return e.args.every((a) => holds(a, p, oracle));
    case "or":
      return e.args.some((a) => holds(a, p, oracle));
    case "not":
      return !holds(e.arg, p, oracle);
    case "range": {
      const v = BigInt(p[e.field]);
      return v >= e.lo && v <= e.hi;
    }
    case "masked":
      return ((p[e.field] & e.mask) >>> 0) === e.value;
    case "iface":
      return e.prefix ? p[e.field].startsWith(e.name) : p[e.field] === e.name;
    case "flags":
      return (p.tcpFlags & e.mask) === e.comp;
    case "oneOf":
      switch (e.field) {
        case "frag":
          return e.values.includes(p.frag ? "later" : "first");
        case "ctstate":
          return ctstateWords(p.ctstate).some((w) => e.values.includes(w));
        case "ctstatus":
          return CT_STATUS.some((s, i) => p.ctstatus & (1 << i) && e.values.includes(s));
        case "srcType":
        case "dstType":
          return ADDR_TYPES.some((t, i) => p[e.field] & (1 << i) && e.values.includes(t));
      }
  }
}

const exact = (e: SymExpr) => compile(e, FAMILY).over;
const runs = { numRuns: 300 };

describe("compile", () => {
  it("an exact expression's space holds exactly the packets the expression holds for", () => {
    fc.assert(
      fc.property(expr, fc.array(packet, { minLength: 20, maxLength: 20 }), (e, ps) => {
        const s = compile(e, FAMILY);
        expect(s.exact).toBe(true);
        for (const p of ps) expect(s.over.has(p)).toBe(holds(e, p, () => false));
      }),
      runs,
    );
  });

  it("with opaque conditions, under ⊆ truth ⊆ over whatever the opaque conditions turn out to be", () => {
    fc.assert(
      fc.property(exprWithOpaque, fc.array(packet, { minLength: 20, maxLength: 20 }), fc.func(fc.boolean()), (e, ps, f) => {
        const s = compile(e, FAMILY);
        expect(s.exact).toBe(false);
        for (const p of ps) {
          const truth = holds(e, p, (r) => f(r, p.dport, p.mark));
          if (s.under.has(p)) expect(truth).toBe(true);
          if (truth) expect(s.over.has(p)).toBe(true);
        }
      }),
      runs,
    );
  });
});

describe("Space algebra (by membership)", () => {
  const two = fc.tuple(expr, expr, fc.array(packet, { minLength: 25, maxLength: 25 }));

  it("∩, ∪, \\ and complement are pointwise and, or, and-not, not", () => {
    fc.assert(
      fc.property(two, ([a, b, ps]) => {
        const A = exact(a);
        const B = exact(b);
        const I = A.intersect(B);
        const U = A.union(B);
        const D = A.subtract(B);
        const C = A.complement();
        for (const p of ps) {
          expect(I.has(p)).toBe(A.has(p) && B.has(p));
          expect(U.has(p)).toBe(A.has(p) || B.has(p));
          expect(D.has(p)).toBe(A.has(p) && !B.has(p));
          expect(C.has(p)).toBe(!A.has(p));
        }
      }),
      runs,
    );
  });

  it("A∩B ⊆ A, (A\\B) ∩ B = ∅, (A\\B) ∪ (A∩B) = A", () => {
    fc.assert(
      fc.property(two, ([a, b]) => {
        const A = exact(a);
        const B = exact(b);
        expect(A.contains(A.intersect(B))).toBe(true);
        expect(A.subtract(B).intersect(B).isEmpty()).toBe(true);
        expect(A.subtract(B).union(A.intersect(B)).equals(A)).toBe(true);
      }),
      runs,
    );
  });

  it("a witness of a non-empty space is in it; an empty space holds no packet", () => {
    fc.assert(
      fc.property(expr, fc.array(packet, { minLength: 20, maxLength: 20 }), (e, ps) => {
        const A = exact(e);
        const w = A.witness();
        if (A.isEmpty()) {
          expect(w).toBeUndefined();
          for (const p of ps) expect(A.has(p)).toBe(false);
        } else {
          expect(A.has(w!)).toBe(true);
          expect(holds(e, w!, () => false)).toBe(true);
        }
      }),
      runs,
    );
  });

  it("contains agrees with membership", () => {
    fc.assert(
      fc.property(two, ([a, b, ps]) => {
        const A = exact(a);
        const B = exact(b);
        if (A.contains(B)) for (const p of ps) if (B.has(p)) expect(A.has(p)).toBe(true);
        if (!A.contains(B)) {
          const w = B.subtract(A).witness()!;
          expect(B.has(w) && !A.has(w)).toBe(true);
        }
      }),
      runs,
    );
  });

  it("full and empty", () => {
    expect(Space.full(4).isFull()).toBe(true);
    expect(Space.empty(6).isEmpty()).toBe(true);
    expect(Space.full(6).complement().isEmpty()).toBe(true);
  });
});

describe("field sets", () => {
  it("IntervalSet merges and complements", () => {
    const s = IntervalSet.of(100n, [
      [5n, 10n],
      [11n, 12n],
      [50n, 60n],
    ]);
    expect(s.toString()).toBe("5-12,50-60");
    expect(s.complement().toString()).toBe("0-4,13-49,61-100");
    expect(s.has(12n) && !s.has(13n)).toBe(true);
  });

  it("TernarySet: x & 0x4000 == 0x4000 minus x == 0xc000/0xc000 is the bit-15-clear half", () => {
    const a = TernarySet.pattern(0x4000, 0x4000).subtract(TernarySet.pattern(0xc000, 0xc000));
    expect(a.has(0x4000)).toBe(true);
    expect(a.has(0xc000)).toBe(false);
    expect(a.complement().has(0x8000)).toBe(true);
  });

  it("IfaceSet: eth+ minus eth0 keeps eth, eth1 and drops eth0; ! eth+ holds the empty name", () => {
    const s = IfaceSet.name("eth", true).subtract(IfaceSet.name("eth0", false));
    expect([s.has("eth"), s.has("eth1"), s.has("eth0"), s.has("veth")]).toEqual([true, true, false, false]);
    expect(IfaceSet.name("eth", true).complement().has("")).toBe(true);
    expect(IfaceSet.name("", true).complement().isEmpty()).toBe(true);
    expect(IfaceSet.name("eth0", false).union(IfaceSet.name("eth0", false).complement()).isFull()).toBe(true);
  });

  it("IfaceSet: a 15-character prefix class is the name itself", () => {
    const n = "abcdefghijklmno";
    const s = IfaceSet.name(n, true).subtract(IfaceSet.name(n, false));
    expect(s.isEmpty()).toBe(true);
  });
});
