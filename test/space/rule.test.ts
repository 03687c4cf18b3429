/**
 * ruleSpace agrees with the extension files: for rules made only of conditions src/space represents
 * exactly, a packet is in the rule's space iff every built-in condition holds and every match's
 * `evaluate` says true.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseRuleset } from "../../src/model/build.js";
import type { Rule } from "../../src/model/ast.js";
import { findMatchExtension, type KnownMatch } from "../../src/extensions/index.js";
import type { AddrType, EvalEnv } from "../../src/extensions/types.js";
import { netContains } from "../../src/net/addr.js";
import { ruleSpace, toPacket, type SymPacket } from "../../src/space/index.js";

const BASE = 0x0a000000n; // 10.0.0.0

const RULES = [
  "-s 10.0.0.0/30 ! -d 10.0.0.4/31 -i eth+ ! -o lo -p tcp -m tcp --sport 3:9 ! --dport 5 --tcp-flags SYN,ACK SYN -j ACCEPT",
  "-p udp -m udp --dport 0:10 -m conntrack --ctstate NEW,DNAT -m mark --mark 0x4/0x6 -j DROP",
  "-p tcp -m multiport --ports 1,3:5 -m connmark ! --mark 0x1/0x1 -j DROP",
  "-p tcp -m multiport ! --dports 2,4 -j DROP",
  "-p icmp -m icmp --icmp-type 0/3 -j DROP",
  "-m addrtype --dst-type LOCAL ! --src-type UNICAST -m state --state ESTABLISHED -j ACCEPT",
  "-m iprange --src-range 10.0.0.2-10.0.0.9 ! -f -m conntrack --ctstatus ASSURED -j ACCEPT",
  "! -p tcp -m comment --comment x -j ACCEPT",
  "-f -p udp -j DROP",
  "-p tcp -m tcp ! --syn -m conntrack ! --ctstate INVALID -j DROP",
  "-p tcp -m tcp --tcp-flags SYN SYN,ACK -j DROP",
  "-p sctp -m sctp ! --sport 2:7 --dport 4 -j DROP",
  "-p dccp -m dccp --sport 1:3 ! --dport 9 -j DROP",
  "-p udp -m multiport --sports 0:2,6 -m iprange ! --dst-range 10.0.0.3-10.0.0.7 -j DROP",
  "-p icmp -m icmp ! --icmp-type any -j DROP",
  "-p icmp -m icmp ! --icmp-type 3 -m connmark --mark 0x2 -j DROP",
  "-m conntrack --ctstate RELATED,ESTABLISHED --ctstatus NONE -j ACCEPT",
];

function parseRule(spec: string): Rule {
  const { value, diagnostics } = parseRuleset(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD ${spec}\nCOMMIT\n`, { validate: false });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return value.tables[0]!.chains.find((c) => c.name === "FORWARD")!.rules[0]!;
}

const small = (max: number) => fc.integer({ min: 0, max });
const packet: fc.Arbitrary<SymPacket> = fc.record({
  family: fc.constant(4 as const),
  src: small(12).map((k) => BASE + BigInt(k)),
  dst: small(12).map((k) => BASE + BigInt(k)),
  proto: fc.constantFrom(1, 6, 17, 33, 47, 132),
  sport: small(12),
  dport: small(12),
  icmp: fc.constantFrom(0, 3, 0x300, 0x303, 0x800),
  frag: small(1),
  tcpFlags: small(255),
  inIface: fc.constantFrom("", "eth0", "eth", "lo", "veth1"),
  outIface: fc.constantFrom("", "eth0", "lo", "lo0"),
  mark: small(15),
  connmark: small(3),
  ctstate: small(19),
  ctstatus: small(15),
  srcType: fc.constantFrom(1 << 1, 1 << 2, (1 << 1) | (1 << 2), 1 << 3),
  dstType: fc.constantFrom(1 << 1, 1 << 2, (1 << 1) | (1 << 2), 1 << 3),
});

function evaluateRule(r: Rule, p: SymPacket): boolean {
  const { packet: pkt, srcTypes, dstTypes } = toPacket(p);
  const ifname = (name: string | undefined, cond: { name: string; negated: boolean }) => {
    const n = name ?? "";
    const hit = cond.name.endsWith("+") ? n.startsWith(cond.name.slice(0, -1)) : n === cond.name;
    return hit !== cond.negated;
  };
  if (r.source && netContains(r.source.net, pkt.src) === r.source.negated) return false;
  if (r.destination && netContains(r.destination.net, pkt.dst) === r.destination.negated) return false;
  if (r.inInterface && !ifname(pkt.inIface, r.inInterface)) return false;
  if (r.outInterface && !ifname(pkt.outIface, r.outInterface)) return false;
  if (r.protocol && r.protocol.number !== 0 && (pkt.proto === r.protocol.number) === r.protocol.negated) return false;
  if (r.fragment && pkt.fragment === r.fragment.negated) return false;
  const env: EvalEnv = {
    table: "filter",
    hook: "FORWARD",
    addrTypes: (a) => new Set((a.value === pkt.src.value && a === pkt.src ? srcTypes : dstTypes) as AddrType[]),
    primaryAddress: () => undefined,
  };
  for (const m of r.matches) {
    if (m.kind === "opaque-match") throw new Error(`unexpected opaque -m ${m.module}`);
    const v = findMatchExtension(m.module)!.evaluate(m as KnownMatch, pkt, env);
    if (v !== true) return false;
  }
  return true;
}

describe("ruleSpace agrees with the extensions' evaluate", () => {
  for (const spec of RULES)
    it(spec, () => {
      const r = parseRule(spec);
      const s = ruleSpace(r, 4);
      expect(s.exact).toBe(true);
      fc.assert(
        fc.property(packet, (p) => {
          expect(s.over.has(p)).toBe(evaluateRule(r, p));
        }),
        { numRuns: 600 },
      );
    });
});

describe("ruleSpace exactness", () => {
  it("statistic, recent and unknown modules make a rule inexact, with reasons", () => {
    const r = parseRule("-p tcp -m statistic --mode random --probability 0.5 -m recent --rcheck --name x -j DROP");
    const s = ruleSpace(r, 4);
    expect(s.exact).toBe(false);
    expect(s.under.isEmpty()).toBe(true);
    expect(s.reasons.length).toBe(2);
  });
  it("a non-contiguous mask is not represented", () => {
    const s = ruleSpace(parseRule("-s 10.0.0.0/255.0.255.0 -j DROP"), 4);
    expect(s.exact).toBe(false);
  });
});
