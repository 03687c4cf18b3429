/**
 * `iptlens diff` against the real kernel: OLD and NEW are loaded into two labs, every witness of a few
 * real diffs is sent to both, and the kernel must show the difference the diff reports — a different
 * DNAT destination set (conntrack's reply source over many connections) or a different verdict — and
 * agree with the reported outcomes on each side.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import { makeNodeContext, parseLocalAddress, parseRoute, type LocalAddress, type Outcome, type Route } from "../../src/engine/index.js";
import { formatAddr } from "../../src/net/addr.js";
import { diffRulesets, type Difference } from "../../src/diff/index.js";
import { createLab, kernelAvailable, type Lab, type Packet } from "./harness.js";

const avail = kernelAvailable();
if (!avail.ok) console.warn(`skipping kernel diff tests: ${avail.reason}`);

const MODERN = readFileSync(join(import.meta.dirname, "..", "..", "corpus", "dumps", "kube-proxy-modern.save"), "utf8");

/** The lab's node as the diff should see it (test/kernel/harness.ts topology). */
const ctx = makeNodeContext({
  localAddresses: [parseLocalAddress("192.0.2.10=eth0") as LocalAddress, parseLocalAddress("10.244.0.1=cni0") as LocalAddress],
  routes: [parseRoute("10.244.0.0/16=cni0") as Route],
});

function change(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`edit did not apply: ${from}`);
  return text.split(from).join(to);
}

/** A host firewall (no kube-proxy): SSH from a source range. */
const HOST = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -s 203.0.113.0/24 -j ACCEPT
COMMIT
`;

const SCENARIOS: readonly { name: string; old: string; new: string }[] = [
  {
    name: "a host firewall's SSH source range narrowed",
    old: HOST,
    new: change(HOST, "-s 203.0.113.0/24", "-s 203.0.113.128/25"),
  },
  {
    name: "an endpoint of shop/frontend:http moved to another pod",
    old: MODERN,
    new: change(MODERN, "10.244.3.9", "10.244.3.99"),
  },
  {
    name: "kube-system/kube-dns:dns-tcp removed from KUBE-SERVICES",
    old: MODERN,
    new: change(
      MODERN,
      '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4\n',
      "",
    ),
  },
  {
    name: "a load-balancer source range of shop/api:grpc narrowed",
    old: MODERN,
    new: change(MODERN, "-A KUBE-FW-TG4Y7II5EGIOXNPD -s 203.0.113.0/24 ", "-A KUBE-FW-TG4Y7II5EGIOXNPD -s 203.0.113.128/25 "),
  },
];

type Fate = "forwarded" | "local" | "dropped";

/** What the kernel would show for the reported outcomes (no assumption made): verdict and DNAT set. */
function expected(outcomes: readonly Outcome[]): { fates: Set<Fate>; destinations: Set<string> } {
  const plain = outcomes.filter((o) => o.assumptions.length === 0 && o.probability > 0);
  const fates = new Set<Fate>(plain.map((o) => (o.verdict !== "ACCEPT" ? "dropped" : o.delivery === "local" ? "local" : "forwarded")));
  const destinations = new Set(plain.filter((o) => o.verdict === "ACCEPT").map((o) => `${formatAddr(o.packet.dst)}${o.packet.dport !== undefined ? `:${o.packet.dport}` : ""}`));
  return { fates, destinations };
}

function probeOf(d: Difference): Packet {
  const w = d.witness;
  return { from: w.from, src: w.src, dst: w.dst, proto: w.proto as Packet["proto"], ...(w.dport !== undefined ? { dport: w.dport } : {}) };
}

describe.skipIf(!avail.ok)("diff witnesses in the kernel", () => {
  let before: Lab;
  let after: Lab;
  beforeAll(() => {
    before = createLab();
    after = createLab();
  });
  afterAll(() => {
    before?.destroy();
    after?.destroy();
  });

  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const r = diffRulesets(parseRuleset(s.old).value, parseRuleset(s.new).value, { context: ctx });
      expect(r.differences.length).toBeGreaterThan(0);
      const lo = before.load(s.old);
      const ln = after.load(s.new);
      expect(lo.ok, lo.stderr).toBe(true);
      expect(ln.ok, ln.stderr).toBe(true);
      for (const d of r.differences.slice(0, 6)) {
        const p = probeOf(d);
        const want = [expected(d.before), expected(d.after)] as const;
        const seen: { fate: string; destinations: Set<string> }[] = [];
        for (const [i, lab] of [before, after].entries()) {
          const one = await lab.probe(p);
          const many = await lab.probeMany(p, 60);
          const destinations = new Set(Object.keys(many.destinations));
          seen.push({ fate: one.outcome, destinations });
          const w = want[i]!;
          const label = `${i ? "after" : "before"} ${JSON.stringify(d.witness)}`;
          expect(w.fates.has(one.outcome as Fate), `${label}: kernel ${one.outcome}, reported ${[...w.fates]}`).toBe(true);
          // Connections the kernel tracked went to exactly the reported DNAT destinations (dropped probes
          // leave no confirmed entry).
          if (w.fates.size === 1 && w.fates.has("forwarded")) expect([...destinations].sort(), label).toEqual([...w.destinations].sort());
        }
        // The difference itself, as the kernel shows it.
        const differs = seen[0]!.fate !== seen[1]!.fate || [...seen[0]!.destinations].sort().join() !== [...seen[1]!.destinations].sort().join();
        expect(differs, `kernel shows no difference for ${JSON.stringify(d.witness)}`).toBe(true);
      }
    });
  }
});
