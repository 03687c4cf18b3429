/**
 * The properties, on generated kube-proxy dumps (bench/gen.ts, both generations):
 * - noise only (renamed hashes, shuffled independent rules, interleaved chains, counters, spellings,
 *   comments, header lines) ⇒ reported equivalent; `diff(a, a)` is empty;
 * - every reported witness, run through fresh engines of both rule sets (read as `explain --batch`
 *   reads it), gives the reported outcomes, and they differ;
 * - packets aimed at the services that fare differently lie in a reported region.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateKubeProxyDump } from "../../bench/gen.js";
import { compile, type PacketSpec } from "../../src/engine/index.js";
import { parseAddr } from "../../src/net/addr.js";
import { diffRulesets, fates, sameFates } from "../../src/diff/index.js";
import { F } from "../../src/diff/spaces.js";
import type { IfaceSet, IntervalSet } from "../../src/space/index.js";
import { expectWitnessesReproduce, node, rs } from "./helpers.js";
import { addNoise, change, changeArb, dumpArb, noiseArb } from "./gen.js";

describe("noise only: equivalent", () => {
  it("generated dumps with renamed hashes, shuffled and interleaved rules, counters, spellings, comments", () => {
    fc.assert(
      fc.property(dumpArb, noiseArb, (d, n) => {
        const a = generateKubeProxyDump(d);
        const b = addNoise(a, n);
        const r = diffRulesets(rs(a), rs(b), { context: node(["192.0.2.10"]) });
        expect(r.differences).toEqual([]);
        expect(r.equivalent).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("diff(a, a) is empty", () => {
    fc.assert(
      fc.property(dumpArb, (d) => {
        const a = generateKubeProxyDump(d);
        const r = diffRulesets(rs(a), rs(a));
        expect(r.equivalent).toBe(true);
        expect(r.stats.suspectRegions).toBe(0);
      }),
      { numRuns: 10 },
    );
  });
});

describe("real changes: witnesses reproduce, differing packets are in regions", () => {
  it("on generated dumps with random behaviour-changing edits", () => {
    const ctx = node(["192.0.2.10"]);
    fc.assert(
      fc.property(dumpArb, fc.array(changeArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { minLength: 12, maxLength: 12 }), (d, changes, picks) => {
        const a = generateKubeProxyDump(d);
        let b: string | undefined = a;
        for (const c of changes) b = b === undefined ? undefined : change(b, c);
        if (b === undefined) return;
        const ra = rs(a);
        const rb = rs(b);
        const r = diffRulesets(ra, rb, { context: ctx });
        expect(r.complete).toBe(true);
        expectWitnessesReproduce(a, b, r, ctx);
        // Packets at the frontends the dumps name (cluster, external, LB IPs and node ports).
        const frontends = [...b.matchAll(/-d (\d+\.\d+\.\d+\.\d+)\/32 -p (tcp|udp) .*?--dport (\d+)/g), ...b.matchAll(/^-A KUBE-NODEPORTS -p (tcp|udp) .*?--dport (\d+)/gm)];
        const ea = compile(ra, ctx);
        const eb = compile(rb, ctx);
        for (const k of picks) {
          if (!frontends.length) break;
          const m = frontends[k % frontends.length]!;
          const [dst, proto, port] = m.length === 4 ? [m[1]!, m[2]!, Number(m[3])] : ["192.0.2.10", m[1]!, Number(m[2])];
          const from = (["external", "pod", "host"] as const)[k % 3]!;
          const src = from === "pod" ? "10.244.0.2" : from === "host" ? "192.0.2.10" : k % 2 ? "203.0.113.7" : "10.244.1.9";
          const p: PacketSpec = { src: parseAddr(src)!, dst: parseAddr(dst)!, proto: proto === "tcp" ? 6 : 17, sport: 40000, dport: port, from };
          if (sameFates(fates(ea.evaluate(p), (x) => x), fates(eb.evaluate(p), (x) => x))) continue;
          const inIf = from === "host" ? "" : from === "pod" ? "cni0" : "eth0";
          const hit = r.differences.some(
            (dd) =>
              dd.origin === from &&
              dd.region.some((c) => {
                const ok = (f: number, v: bigint | number) => !c.sets[f] || (c.sets[f] as IntervalSet).has(BigInt(v));
                const ifs = c.sets[F.inIface] as IfaceSet | undefined;
                return ok(F.src, p.src.value) && ok(F.dst, p.dst.value) && ok(F.proto, p.proto) && ok(F.sport, 40000) && ok(F.dport, port) && (!ifs || ifs.has(inIf));
              }),
          );
          expect(hit, `${from} ${src} -> ${dst}:${port}/${proto}`).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });
});
