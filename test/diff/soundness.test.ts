/**
 * The diff is exact on generated rule sets (filter and nat, jumps, NAT, marks, address types, random
 * and assumed conditions) and packets over the same small universe, martians included:
 * - every packet that fares differently lies in a reported region of its origin (nothing missed);
 * - every packet in a reported region fares differently (classes are uniform: nothing over-reported).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, makeNodeContext, parseLocalAddress, type LocalAddress } from "../../src/engine/index.js";
import { diffRulesets, fates, sameFates } from "../../src/diff/index.js";
import { F } from "../../src/diff/spaces.js";
import type { IfaceSet, IntervalSet } from "../../src/space/index.js";
import { applyEdits, edit, packet, parseOk, renderSmall, smallRuleset } from "./gen.js";

const ctx = makeNodeContext({ localAddresses: [parseLocalAddress("192.0.2.10") as LocalAddress] });

describe("exactness on generated rule sets", () => {
  it("differing packets are exactly the packets of the reported regions", () => {
    let differing = 0;
    fc.assert(
      fc.property(smallRuleset, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.array(packet, { minLength: 50, maxLength: 50 }), (s, edits, packets) => {
        const a = parseOk(renderSmall(s));
        const b = parseOk(renderSmall(applyEdits(s, edits)));
        if (!a || !b) return;
        const r = diffRulesets(a, b, { context: ctx });
        expect(r.complete).toBe(true);
        const ea = compile(a, ctx);
        const eb = compile(b, ctx);
        for (const p of packets) {
          const same = sameFates(fates(ea.evaluate(p), (k) => k), fates(eb.evaluate(p), (k) => k));
          const inIf = p.from === "host" ? "" : (p.inIface ?? (p.from === "pod" ? "cni0" : "eth0"));
          const hit = r.differences.some(
            (d) =>
              d.origin === p.from &&
              d.region.some((c) => {
                const iv = (f: number) => c.sets[f] as IntervalSet | undefined;
                const ok = (f: number, v: number | bigint | undefined) => v === undefined || !iv(f) || iv(f)!.has(BigInt(v));
                const ifs = c.sets[F.inIface] as IfaceSet | undefined;
                return ok(F.src, p.src.value) && ok(F.dst, p.dst.value) && ok(F.proto, p.proto) && ok(F.sport, p.sport) && ok(F.dport, p.dport) && (!ifs || ifs.has(inIf));
              }),
          );
          if (!same) differing++;
          expect(hit, `${renderSmall(s)}\n---\n${renderSmall(applyEdits(s, edits))}\n${JSON.stringify(p, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`).toBe(!same);
        }
      }),
      { numRuns: 150 },
    );
    // The property is not vacuous: many packets do fare differently.
    expect(differing).toBeGreaterThan(100);
  });
});
