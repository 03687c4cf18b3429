/**
 * The property the index must keep: indexed evaluation equals the plain sequential walk, outcome for
 * outcome (probability, verdict, final packet, NAT, decision, assumptions, the exact trace), on
 * generated kube-proxy dumps (bench/gen.ts) and on adversarial chains that mix keyed rules with rules
 * the index cannot key, negations, port ranges, marks, RETURNs and random branches.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateKubeProxyDump } from "../../bench/gen.js";
import { parseRuleset } from "../../src/model/build.js";
import { compile, evaluateSequential, type PacketSpec } from "../../src/engine/index.js";
import { compileRuleset } from "../../src/engine/compile.js";
import { ip, node, normalEvaluation } from "./helpers.js";

const ctx = node(["192.0.2.10=eth0", "10.244.1.1=cni0"], ["10.244.1.0/24=cni0"]);

const ADDRS = ["10.96.0.1", "10.96.0.2", "10.96.0.3", "10.96.0.4", "192.0.2.10", "198.51.100.5", "127.0.0.1"];
const PORTS = [53, 80, 443, 1500, 30080];
const PROTOS = ["tcp", "udp"] as const;

const keyedRule = fc.oneof(
  fc.record({ kind: fc.constant("dpd" as const), d: fc.constantFrom(...ADDRS), p: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS), to: fc.nat(3) }),
  fc.record({ kind: fc.constant("pd" as const), p: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS), to: fc.nat(3) }),
  fc.record({ kind: fc.constant("d" as const), d: fc.constantFrom(...ADDRS), to: fc.nat(3) }),
);

const UNKEYED = [
  "-m addrtype --dst-type LOCAL -j SVC0",
  "! -d 10.96.0.1/32 -p tcp -j MARK --set-xmark 0x1/0x1",
  "-s 10.244.0.0/16 -j RETURN",
  "-m mark --mark 0x1/0x1 -j ACCEPT",
  "-p tcp -m tcp --dport 1000:2000 -j DROP",
  "-p udp -m udp ! --dport 53 -j LOG",
  "-d 10.96.0.0/24 -p tcp -m tcp --dport 80 -j SVC1",
  "-m statistic --mode random --probability 0.25 -j SVC2",
  "-p tcp -m tcp --dport 80",
  "-m set --match-set blocked src -j DROP",
];

const chainRule = fc.oneof({ weight: 3, arbitrary: keyedRule }, { weight: 1, arbitrary: fc.constantFrom(...UNKEYED).map((text) => ({ kind: "raw" as const, text })) });

type GenRule = { kind: "dpd"; d: string; p: string; port: number; to: number } | { kind: "pd"; p: string; port: number; to: number } | { kind: "d"; d: string; to: number } | { kind: "raw"; text: string };

function ruleText(r: GenRule): string {
  switch (r.kind) {
    case "dpd":
      return `-d ${r.d}/32 -p ${r.p} -m ${r.p} --dport ${r.port} -j SVC${r.to}`;
    case "pd":
      return `-p ${r.p} -m ${r.p} --dport ${r.port} -j SVC${r.to}`;
    case "d":
      return `-d ${r.d}/32 -j SVC${r.to}`;
    case "raw":
      return r.text;
  }
}

/** nat and filter tables whose big chains get indexed (≥ INDEX_MIN_RULES rules). */
function dump(natRules: GenRule[], filterRules: GenRule[]): string {
  const svc = (i: number, table: "nat" | "filter") =>
    table === "nat"
      ? [
          `-A SVC${i} -s 10.244.1.${i + 2}/32 -j MARK --set-xmark 0x4000/0x4000`,
          `-A SVC${i} -p tcp -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.244.1.${i + 2}:8080`,
          `-A SVC${i} -p udp -j DNAT --to-destination 10.244.2.${i + 2}:53`,
          `-A SVC${i} -j RETURN`,
        ]
      : [`-A SVC${i} -m conntrack --ctstate DNAT -j ACCEPT`, `-A SVC${i} -p udp -j REJECT`];
  const chains = [0, 1, 2, 3].map((i) => `:SVC${i} - [0:0]`).join("\n");
  return `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:SERVICES - [0:0]
${chains}
-A PREROUTING -j SERVICES
-A OUTPUT -j SERVICES
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
${natRules.map((r) => `-A SERVICES ${ruleText(r)}`).join("\n")}
${[0, 1, 2, 3].flatMap((i) => svc(i, "nat")).join("\n")}
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:SERVICES - [0:0]
${chains}
-A FORWARD -j SERVICES
-A INPUT -j SERVICES
${filterRules.map((r) => `-A SERVICES ${ruleText(r)}`).join("\n")}
${[0, 1, 2, 3].flatMap((i) => svc(i, "filter")).join("\n")}
COMMIT
`;
}

const packet = fc.record({
  src: fc.constantFrom("203.0.113.7", "10.244.1.2", "10.244.1.3", "192.0.2.10", "127.0.0.1"),
  dst: fc.constantFrom(...ADDRS, "10.96.0.9"),
  proto: fc.constantFrom("tcp", "udp", "icmp"),
  dport: fc.constantFrom(...PORTS, 1999, 8080),
  from: fc.constantFrom("external" as const, "pod" as const, "host" as const),
  mark: fc.constantFrom(0, 1, 0x4000),
  ctState: fc.constantFrom("NEW" as const, "NEW" as const, "ESTABLISHED" as const),
});

type GenPacket = typeof packet extends fc.Arbitrary<infer T> ? T : never;

function spec(p: GenPacket): PacketSpec {
  const proto = p.proto === "tcp" ? 6 : p.proto === "udp" ? 17 : 1;
  return {
    src: ip(p.src),
    dst: ip(p.dst),
    proto,
    ...(proto === 1 ? { icmpType: 8, icmpCode: 0 } : { sport: 40000, dport: p.dport }),
    from: p.from,
    mark: p.mark,
    ctState: p.ctState,
  };
}

describe("indexed evaluation equals the sequential walk", () => {
  it("on adversarial chains (keyed and unkeyed rules interleaved)", () => {
    let indexed = 0;
    let cases = 0;
    fc.assert(
      fc.property(
        fc.array(chainRule, { minLength: 12, maxLength: 40 }),
        fc.array(chainRule, { minLength: 12, maxLength: 30 }),
        fc.array(packet, { minLength: 1, maxLength: 8 }),
        (natRules, filterRules, packets) => {
          const text = dump(natRules, filterRules);
          const parsed = parseRuleset(text);
          expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
          const rs = parsed.value;
          cases++;
          if (compileRuleset(rs).tables.get("nat")!.chains.get("SERVICES")!.index) indexed++;
          const engine = compile(rs, ctx);
          for (const p of packets) {
            const s = spec(p);
            expect(normalEvaluation(engine.evaluate(s))).toEqual(normalEvaluation(evaluateSequential(rs, ctx, s)));
            // Near misses too: the index lists the rules that could fail on one condition only.
            const nm = { nearMisses: true };
            expect(normalEvaluation(engine.evaluate(s, nm))).toEqual(normalEvaluation(evaluateSequential(rs, ctx, s, nm)));
          }
        },
      ),
      { numRuns: 150 },
    );
    // The property is about the index: most generated chains must have one (a chain whose keys repeat
    // too much is scanned instead).
    expect(indexed).toBeGreaterThan(cases / 2);
  });

  it("on generated kube-proxy dumps (both generations), with packets aimed at their frontends", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom("modern" as const, "legacy" as const),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("external" as const, "pod" as const, "host" as const), fc.boolean()), { minLength: 4, maxLength: 12 }),
        (seed, era, picks) => {
          const text = generateKubeProxyDump({ services: 40, seed, era });
          const rs = parseRuleset(text).value;
          const frontends = [...text.matchAll(/-A KUBE-(?:SERVICES|NODEPORTS) (?:-d (\S+)\/32 )?-p (tcp|udp) .*?--dport (\d+)/g)];
          const engine = compile(rs, ctx);
          for (const [n, from, hit] of picks) {
            const m = frontends[n % frontends.length]!;
            const s: PacketSpec = {
              src: ip(from === "pod" ? "10.244.1.7" : from === "host" ? "192.0.2.10" : "203.0.113.7"),
              dst: ip(m[1] ?? "192.0.2.10"),
              proto: m[2] === "tcp" ? 6 : 17,
              sport: 40000,
              dport: hit ? Number(m[3]) : Number(m[3]) + 1,
              from,
            };
            expect(normalEvaluation(engine.evaluate(s))).toEqual(normalEvaluation(evaluateSequential(rs, ctx, s)));
            const nm = { nearMisses: true };
            expect(normalEvaluation(engine.evaluate(s, nm))).toEqual(normalEvaluation(evaluateSequential(rs, ctx, s, nm)));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
