/** shadowed-rule: what stops a chain, what changes packets, minimal blockers, and soundness. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseRuleset } from "../../src/model/build.js";
import type { Rule } from "../../src/model/ast.js";
import { findMatchExtension, type KnownMatch } from "../../src/extensions/index.js";
import { netContains } from "../../src/net/addr.js";
import type { Packet } from "../../src/net/packet.js";
import { lint } from "../../src/lint/index.js";
import { filter, ids, lintText } from "./helpers.js";

const shadowed = (rules: string[], chains: string[] = []) => ids(lintText(filter(rules, chains)), "shadowed-rule");

describe("shadowed-rule", () => {
  it("reports a rule covered by two earlier rules together, naming both", () => {
    const fs = lintText(filter(["-A INPUT -s 10.0.0.0/9 -j DROP", "-A INPUT -s 10.128.0.0/9 -j DROP", "-A INPUT -s 10.1.0.0/16 -p tcp -j ACCEPT", "-A INPUT -s 10.0.0.0/8 -j LOG"]));
    const s = fs.filter((f) => f.rule === "shadowed-rule");
    expect(s.map((f) => f.index)).toEqual([3, 4]);
    expect(s[0]!.message).toBe("rule 3 of INPUT can never match: blocked by rule 1; rule 1 has a different action (-j DROP)");
    expect(s[1]!.message).toContain("blocked by rules 1, 2");
    expect(s[1]!.related.map((r) => r.index)).toEqual([1, 2]);
  });

  it("gives a minimal set of blockers", () => {
    const fs = lintText(filter(["-A INPUT -s 10.0.0.0/8 -j DROP", "-A INPUT -s 10.0.0.0/9 -j DROP", "-A INPUT -s 10.1.0.0/16 -j DROP"]));
    const third = fs.find((f) => f.rule === "shadowed-rule" && f.index === 3)!;
    expect(third.related.map((r) => r.index)).toEqual([1]);
    expect(third.message).not.toContain("different action");
  });

  it("does not report a rule some packet reaches", () => {
    expect(shadowed(["-A INPUT -s 10.0.0.0/9 -j DROP", "-A INPUT -s 10.0.0.0/8 -j ACCEPT"])).toEqual([]);
    expect(shadowed(["-A INPUT -p tcp -m tcp --dport 22 -j DROP", "-A INPUT -p tcp -j ACCEPT"])).toEqual([]);
    // -p tcp --dport 0:65535 still misses later fragments: rule 2 sees them.
    expect(shadowed(["-A INPUT -p tcp -m tcp --dport 0:65535 -j DROP", "-A INPUT -p tcp -j ACCEPT"])).toEqual([]);
    expect(shadowed(["-A INPUT -p tcp -m tcp --dport 0:65535 -j DROP", "-A INPUT -p tcp -f -j DROP", "-A INPUT -p tcp -j ACCEPT"])).toEqual(["shadowed-rule INPUT#3"]);
  });

  it("non-stopping targets do not shadow; RETURN and -g do", () => {
    expect(shadowed(["-A INPUT -j LOG", "-A INPUT -j ACCEPT"])).toEqual([]);
    expect(shadowed(["-A X -j RETURN", "-A X -j ACCEPT", "-A INPUT -j X"], ["X"])).toEqual(["shadowed-rule X#2"]);
    expect(shadowed(["-A INPUT -g Y", "-A INPUT -j ACCEPT", "-A Y -s 192.0.2.1/32 -j DROP"], ["Y"])).toEqual(["shadowed-rule INPUT#2"]);
  });

  it("a jump stops the chain only when the called chain always decides", () => {
    const decides = ["-A D -s 192.0.2.0/24 -j ACCEPT", "-A D -j DROP"];
    expect(shadowed(["-A INPUT -p tcp -j D", "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", ...decides], ["D"])).toEqual(["shadowed-rule INPUT#2"]);
    const mayReturn = ["-A D -s 192.0.2.0/24 -j RETURN", "-A D -j DROP"];
    expect(shadowed(["-A INPUT -p tcp -j D", "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", ...mayReturn], ["D"])).toEqual([]);
  });

  it("an earlier rule testing the mark stops counting once a MARK may have changed it", () => {
    const mark = ["-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT", "-A INPUT -j MARK --set-xmark 0x1/0x1", "-A INPUT -m mark --mark 0x1/0x1 -j DROP"];
    expect(shadowed(mark)).toEqual([]);
    const noMark = ["-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT", "-A INPUT -j LOG", "-A INPUT -m mark --mark 0x1/0x1 -j DROP"];
    expect(shadowed(noMark)).toEqual(["shadowed-rule INPUT#3"]);
    // Rules that do not read the mark still count after the MARK.
    const other = ["-A INPUT -s 10.0.0.0/8 -j ACCEPT", "-A INPUT -j MARK --set-xmark 0x1/0x1", "-A INPUT -s 10.1.0.0/16 -m mark --mark 0x1/0x1 -j DROP"];
    expect(shadowed(other)).toEqual(["shadowed-rule INPUT#3"]);
    // A jump to a chain that sets the mark counts as a change too; so does a jump to an empty chain.
    const viaChain = ["-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT", "-A INPUT -j M", "-A INPUT -m mark --mark 0x1/0x1 -j DROP", "-A M -j MARK --set-xmark 0x1/0x1"];
    expect(shadowed(viaChain, ["M"])).toEqual([]);
    expect(shadowed(["-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT", "-A INPUT -j HOOK", "-A INPUT -m mark --mark 0x1/0x1 -j DROP"], ["HOOK"])).toEqual([]);
  });

  it("an earlier rule with an opaque condition never shadows; a later one can be shadowed", () => {
    expect(shadowed(["-A INPUT -p tcp -m set --match-set allow src -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 22 -j DROP"])).toEqual([]);
    expect(shadowed(["-A INPUT -p tcp -m statistic --mode random --probability 0.5 -j ACCEPT", "-A INPUT -p tcp -j DROP"])).toEqual([]);
    expect(shadowed(["-A INPUT -p tcp -j ACCEPT", "-A INPUT -p tcp -m set --match-set deny src -j DROP"])).toEqual(["shadowed-rule INPUT#2"]);
  });

  it("interfaces: eth+ covers eth0 but not veth0", () => {
    expect(shadowed(["-A FORWARD -i eth+ -j DROP", "-A FORWARD -i eth0 -j ACCEPT", "-A FORWARD -i veth0 -j ACCEPT"])).toEqual(["shadowed-rule FORWARD#2"]);
  });

  it("exact duplicates are left to duplicate-rule unless it is off", () => {
    const text = filter(["-A INPUT -s 192.0.2.0/24 -j DROP", "-A INPUT -s 192.0.2.0/24 -j DROP"]);
    expect(ids(lintText(text))).toEqual(["duplicate-rule INPUT#2"]);
    expect(ids(lintText(text, { levels: { "duplicate-rule": "off" } }))).toEqual(["shadowed-rule INPUT#2"]);
  });

  it("scales: 20k distinct blockers and 2k candidates in one chain", () => {
    const rules: string[] = [];
    for (let i = 0; i < 20000; i++) rules.push(`-A INPUT -s 10.${(i >> 8) & 255}.${i & 255}.0/24 -p tcp -m tcp --dport ${1000 + (i % 50)} -j DROP`);
    for (let i = 0; i < 2000; i++) rules.push(`-A INPUT -s 10.${(i >> 8) & 255}.${i & 255}.7/32 -p tcp -m tcp --dport ${1000 + (i % 50)} -j ACCEPT`);
    for (let i = 0; i < 2000; i++) rules.push(`-A INPUT -p tcp -m tcp --dport ${2000 + i} -j ACCEPT`);
    const t0 = performance.now();
    const n = shadowed(rules).length;
    expect(n).toBe(2000);
    expect(performance.now() - t0).toBeLessThan(20000);
  });
});

// ---- Soundness: no packet reaches a reported rule with its conditions met ---------------------------

const CONDS = [
  "-s 10.0.0.0/30",
  "-s 10.0.0.2/31",
  "! -s 10.0.0.0/31",
  "-d 10.0.0.4/30",
  "-i eth+",
  "-i eth0",
  "! -i eth1",
  "-p tcp",
  "-p tcp -m tcp --dport 1:3",
  "-p tcp -m tcp ! --dport 2",
  "-p udp -m udp --sport 2",
  "-m mark --mark 0x1/0x1",
  "-m mark ! --mark 0x2/0x3",
  "-m conntrack --ctstate NEW",
  "-m conntrack ! --ctstate ESTABLISHED,RELATED",
  "",
];
const TARGETS = ["-j ACCEPT", "-j DROP", "-j RETURN", "-j LOG", "-j MARK --set-xmark 0x1/0x1", "-j MARK --set-xmark 0x0/0x3"];

function chainRules(specs: string[]): Rule[] {
  const text = filter(specs.map((s) => `-A FORWARD ${s}`));
  return parseRuleset(text, { validate: false }).value.tables[0]!.chains.find((c) => c.name === "FORWARD")!.rules;
}

function matches(r: Rule, p: Packet): boolean {
  const iface = (n: string | undefined, c: { name: string; negated: boolean }) =>
    (c.name.endsWith("+") ? (n ?? "").startsWith(c.name.slice(0, -1)) : (n ?? "") === c.name) !== c.negated;
  if (r.source && netContains(r.source.net, p.src) === r.source.negated) return false;
  if (r.destination && netContains(r.destination.net, p.dst) === r.destination.negated) return false;
  if (r.inInterface && !iface(p.inIface, r.inInterface)) return false;
  if (r.protocol && r.protocol.number !== 0 && (p.proto === r.protocol.number) === r.protocol.negated) return false;
  const env = { table: "filter" as const, hook: "FORWARD" as const, addrTypes: () => new Set<never>(), primaryAddress: () => undefined };
  return r.matches.every((m) => m.kind === "match" && findMatchExtension(m.module)!.evaluate(m as KnownMatch, p, env) === true);
}

const packet = fc.record({
  src: fc.integer({ min: 0, max: 7 }),
  dst: fc.integer({ min: 0, max: 7 }),
  proto: fc.constantFrom(6, 17, 1),
  sport: fc.integer({ min: 0, max: 4 }),
  dport: fc.integer({ min: 0, max: 4 }),
  inIface: fc.constantFrom("eth0", "eth1", "lo"),
  mark: fc.integer({ min: 0, max: 3 }),
  ctState: fc.constantFrom("NEW", "ESTABLISHED", "RELATED", "INVALID") as fc.Arbitrary<"NEW" | "ESTABLISHED" | "RELATED" | "INVALID">,
  fragment: fc.boolean(),
});

describe("shadowed-rule soundness (property)", () => {
  it("no packet walking the chain meets a reported rule with all its conditions true", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...CONDS), fc.constantFrom(...CONDS), fc.constantFrom(...TARGETS)), { minLength: 2, maxLength: 7 }),
        fc.array(packet, { minLength: 60, maxLength: 60 }),
        (spec, pkts) => {
          const specs = spec.map(([a, b, t]) => [a, b.startsWith("-p") && a.startsWith("-p") ? "" : b, t].filter(Boolean).join(" "));
          const rules = chainRules(specs);
          const text = filter(specs.map((s) => `-A FORWARD ${s}`));
          const rs = parseRuleset(text, { validate: false }).value;
          const reported = new Set(
            lint(rs, { levels: { "duplicate-rule": "off" } })
              .findings.filter((f) => f.rule === "shadowed-rule")
              .map((f) => f.index!),
          );
          for (const q of pkts) {
            let p: Packet = {
              family: 4,
              src: { family: 4, value: 0x0a000000n + BigInt(q.src) },
              dst: { family: 4, value: 0x0a000000n + BigInt(q.dst) },
              proto: q.proto,
              ...(q.proto !== 1 ? { sport: q.sport, dport: q.dport } : {}),
              tcpFlags: 0,
              fragment: q.fragment,
              inIface: q.inIface,
              mark: q.mark,
              connmark: 0,
              ctState: q.ctState,
              ctStatus: new Set(),
              ctDnat: false,
              ctSnat: false,
            };
            for (let i = 0; i < rules.length; i++) {
              const r = rules[i]!;
              if (!matches(r, p)) continue;
              expect(reported.has(i + 1), `packet ${JSON.stringify(q)} matches reported rule ${i + 1}: ${specs.join(" | ")}`).toBe(false);
              const t = specs[i]!;
              if (/-j (ACCEPT|DROP|RETURN)/.test(t)) break;
              const m = /--set-xmark (0x[0-9a-f]+)\/(0x[0-9a-f]+)/.exec(t);
              if (m) p = { ...p, mark: ((p.mark & ~Number(m[2])) ^ Number(m[1])) >>> 0 };
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
