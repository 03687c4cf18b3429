/**
 * Every dump of the corpus (corpus/dumps), with packets aimed at each service frontend it holds and at
 * nothing in particular: explain never throws, indexed and sequential walks agree, and probabilities
 * are consistent (for every answer to the assumptions, the outcomes that agree add up to 1).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import { formatAddr } from "../../src/net/addr.js";
import { compile, evaluateSequential, type Evaluation, type PacketSpec } from "../../src/engine/index.js";
import { buildCatalogue } from "../../src/kube/index.js";
import { ip, node, normalEvaluation } from "../engine/helpers.js";

const dir = join(import.meta.dirname, "..", "..", "corpus", "dumps");
const dumps = existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith(".")) : [];

/** For every assignment of the assumption keys, the agreeing outcomes sum to 1. */
function checkWorlds(e: Evaluation): void {
  const keys = [...new Set(e.outcomes.flatMap((o) => o.assumptions.map((a) => a.key)))];
  expect(keys.length).toBeLessThan(14);
  for (let bits = 0; bits < 1 << keys.length; bits++) {
    const answer = new Map(keys.map((k, i) => [k, (bits >> i) % 2 === 1]));
    const sum = e.outcomes.filter((o) => o.assumptions.every((a) => answer.get(a.key) === a.holds)).reduce((t, o) => t + o.probability, 0);
    expect(sum).toBeCloseTo(1, 9);
  }
}

describe.skipIf(dumps.length === 0)("explain on the corpus", () => {
  for (const name of dumps) {
    it(name, () => {
      const r = parseRuleset(readFileSync(join(dir, name), "utf8"), { file: name });
      const rs = r.value;
      const v6 = rs.family === 6;
      const ctx = v6 ? node(["2001:db8::10=eth0"], ["fd00:10:244:1::/64=cni0"]) : node(["192.0.2.10=eth0", "10.244.1.1=cni0"], ["10.244.1.0/24=cni0"]);
      const engine = compile(rs, ctx);
      const cat = buildCatalogue(rs);
      const src = { external: v6 ? "2001:db8:ffff::7" : "203.0.113.7", pod: v6 ? "fd00:10:244:1::5" : "10.244.1.5", host: v6 ? "2001:db8::10" : "192.0.2.10" };
      const packets: PacketSpec[] = [];
      for (const svc of [...cat.services.values()].slice(0, 30))
        for (const f of svc.frontends.slice(0, 3))
          for (const from of ["external", "pod", "host"] as const) {
            const dst = f.addr ? formatAddr(f.addr) : src.host;
            packets.push({ src: ip(src[from]), dst: ip(dst), proto: f.proto, sport: 40000, dport: f.port, from });
          }
      packets.push({ src: ip(src.external), dst: ip(v6 ? "2001:db8::99" : "198.51.100.99"), proto: 6, sport: 1, dport: 22 });
      packets.push({ src: ip(src.pod), dst: ip(src.host), proto: v6 ? 58 : 1, icmpType: v6 ? 128 : 8, icmpCode: 0, from: "pod" });
      for (const p of packets) {
        const e = engine.evaluate(p);
        expect(e.outcomes.length).toBeGreaterThan(0);
        checkWorlds(e);
        expect(normalEvaluation(e)).toEqual(normalEvaluation(evaluateSequential(rs, ctx, p)));
      }
    });
  }
});

