/** The diff's parts: sequence alignment, normal forms and hashes, readable regions. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { align } from "../../src/diff/align.js";
import { cidrs, regionText } from "../../src/diff/predicate.js";
import { F, fieldCube, portSet, prefixRange, protoSet } from "../../src/diff/spaces.js";
import { Structure } from "../../src/diff/structure.js";
import { Cube, IntervalSet } from "../../src/space/index.js";
import { rs } from "./helpers.js";

describe("align", () => {
  const seq = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f"), { maxLength: 30 });
  it("pairs equal elements, increasing in both sequences", () => {
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        const pairs = align(a, b);
        pairs.forEach(([i, j], k) => {
          expect(a[i]).toBe(b[j]);
          if (k) expect(i > pairs[k - 1]![0] && j > pairs[k - 1]![1]).toBe(true);
        });
      }),
    );
  });
  it("never claims more than a longest common subsequence; aligns equal sequences fully", () => {
    // Patience anchors may cost optimality (never soundness: unaligned rules are only explored).
    const lcs = (a: string[], b: string[]) => {
      const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
      return t[0]![0]!;
    };
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        expect(align(a, b).length).toBeLessThanOrEqual(lcs(a, b));
        expect(align(a, a).length).toBe(a.length);
      }),
    );
  });
  it("aligns all but the edit on long unique sequences", () => {
    const a = Array.from({ length: 5000 }, (_, i) => `r${i}`);
    const b = [...a.slice(0, 2500), "new", ...a.slice(2501)];
    expect(align(a, b)).toHaveLength(4999);
  });
});

describe("structure", () => {
  const chain = (rules: string[]) => rs(`*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n:Y - [0:0]\n${rules.join("\n")}\nCOMMIT\n`);
  const hash = (r: ReturnType<typeof rs>, name = "INPUT") => new Structure(r).chain("filter", name)!.hash;

  it("independent rules in any order have one normal form; dependent ones keep theirs", () => {
    const a = ["-A INPUT -d 10.0.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT", "-A INPUT -d 10.0.0.2/32 -p tcp -j DROP", "-A INPUT -p udp -m udp --dport 53 -j ACCEPT", "-A INPUT -j X"];
    const b = [a[2]!, a[0]!, a[1]!, a[3]!];
    expect(hash(chain(a))).toBe(hash(chain(b)));
    // The last rule matches what the others match: it may not move.
    expect(hash(chain(a))).not.toBe(hash(chain([a[3]!, a[0]!, a[1]!, a[2]!])));
    // Same destination, overlapping: order matters.
    const c = ["-A INPUT -d 10.0.0.1/32 -j ACCEPT", "-A INPUT -d 10.0.0.1/32 -p tcp -j DROP"];
    expect(hash(chain(c))).not.toBe(hash(chain([c[1]!, c[0]!])));
  });

  it("chains are named by content: a renamed chain hashes the same, comments and counters do not count", () => {
    const a = chain(["-A INPUT -j X", "-A X -s 10.0.0.0/8 -m comment --comment one -j ACCEPT"]);
    const b = rs(`*filter\n:INPUT ACCEPT [9:9]\n:Z - [0:0]\n[5:10] -A INPUT -j Z\n-A Z -s 10.0.0.0/8 -m comment --comment two -j ACCEPT\nCOMMIT\n`);
    expect(hash(a)).toBe(hash(b));
  });
});

describe("regions as text", () => {
  it("covers ranges with the largest CIDR blocks", () => {
    expect(cidrs(4, 0x0a000000n, 0x0affffffn)).toEqual(["10.0.0.0/8"]);
    expect(cidrs(4, 0x0a000001n, 0x0a000006n)).toEqual(["10.0.0.1", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6"]);
  });

  it("reads like the issue's example, and merges a service's pieces", () => {
    const base = fieldCube(4, F.proto, protoSet(6))!.narrow(F.dst, IntervalSet.range((1n << 32n) - 1n, 0x0a60000an, 0x0a60000an))!.narrow(F.dport, portSet(53))!;
    const pod = prefixRange(4, 0x0af40000n, 16);
    const outside = base.narrow(F.src, pod.complement())!;
    expect(regionText([outside])).toBe("tcp dst 10.96.0.10 dport 53 src ∉ 10.244.0.0/16");
    const inside = base.narrow(F.src, pod)!;
    expect(regionText([outside, inside])).toBe("tcp dst 10.96.0.10 dport 53");
    expect(regionText([Cube.full(4)])).toBe("any packet");
  });
});
