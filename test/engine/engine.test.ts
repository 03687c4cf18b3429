/**
 * The engine's netfilter semantics on small rule sets: chain traversal, table and hook order, routing,
 * NAT and conntrack facts, marks, uncertainty, and the guards (loops, depth, path budget). Every case
 * also checks that the indexed walker and the sequential reference walker agree (helpers.run).
 */
import { describe, expect, it } from "vitest";
import { formatAddr } from "../../src/net/addr.js";
import { compile, mergeOutcomes, type Outcome } from "../../src/engine/index.js";
import { node, pkt, rs, run, total, traceText } from "./helpers.js";

const ext = (dst = "198.51.100.7", proto = "tcp", dport = 80) => pkt("203.0.113.7", dst, proto, dport);

describe("chains", () => {
  it("ACCEPT ends the table's traversal of the hook, not the packet's journey", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p tcp -j ACCEPT
-A FORWARD -j LOG --log-prefix never
COMMIT
*security
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -j MARK --set-xmark 0x1/0xffffffff
COMMIT
`);
    const e = run(r, ext());
    expect(e.outcomes).toHaveLength(1);
    const o = e.outcomes[0]!;
    expect(o.verdict).toBe("ACCEPT");
    expect(o.delivery).toBe("forward");
    expect(o.outIface).toBe("eth0");
    expect(traceText(o)).toEqual(["filter FORWARD FORWARD #1", "security FORWARD FORWARD #1", "security FORWARD FORWARD policy ACCEPT"]);
    expect(o.packet.mark).toBe(1);
    expect(o.decision).toMatchObject({ table: "filter", chain: "FORWARD", index: 1, action: "ACCEPT" });
  });

  it("jumps return to the next rule; RETURN pops; falling off a user chain returns; the built-in policy decides", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A FORWARD -j A
-A FORWARD -m comment --comment "count only"
-A A -j B
-A A -p udp -j ACCEPT
-A A -j RETURN
-A A -j ACCEPT
-A B -p tcp -j RETURN
COMMIT
`);
    const e = run(r, ext());
    const o = e.outcomes[0]!;
    expect(traceText(o)).toEqual(["filter FORWARD FORWARD #1", "filter FORWARD A #1", "filter FORWARD B #1", "filter FORWARD A #3", "filter FORWARD FORWARD #2", "filter FORWARD FORWARD policy DROP"]);
    expect(o.verdict).toBe("DROP");
    expect(o.decision).toMatchObject({ table: "filter", chain: "FORWARD", policy: "DROP", action: "DROP" });
  });

  it("goto does not come back: RETURN from a goto'd chain returns from the chain that did the goto", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A FORWARD -j A
-A FORWARD -j DROP
-A A -g B
-A A -j ACCEPT
-A B -j RETURN
COMMIT
`);
    const o = run(r, ext()).outcomes[0]!;
    expect(traceText(o)).toEqual(["filter FORWARD FORWARD #1", "filter FORWARD A #1", "filter FORWARD B #1", "filter FORWARD FORWARD #2"]);
    expect(o.verdict).toBe("DROP");
  });

  it("goto from a built-in chain ends at its policy when the goto'd chain returns", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:B - [0:0]
-A FORWARD -g B
-A FORWARD -j ACCEPT
COMMIT
`);
    const o = run(r, ext()).outcomes[0]!;
    expect(traceText(o)).toEqual(["filter FORWARD FORWARD #1", "filter FORWARD FORWARD policy DROP"]);
  });

  it("non-terminating targets continue; REJECT ends everything with its type", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -j LOG
-A FORWARD -j NFLOG
-A FORWARD -j MARK --set-xmark 0x10/0x10
-A FORWARD -j CONNMARK --set-xmark 0x20/0xffffffff
-A FORWARD -p tcp -j REJECT --reject-with tcp-reset
-A FORWARD -j ACCEPT
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
`);
    const o = run(r, ext()).outcomes[0]!;
    expect(o.verdict).toBe("REJECT");
    expect(o.rejectWith).toBe("tcp-reset");
    expect(o.delivery).toBe("none");
    expect(o.packet.mark).toBe(0x10);
    expect(traceText(o)).toEqual([
      "mangle PREROUTING PREROUTING policy ACCEPT",
      "mangle FORWARD FORWARD policy ACCEPT",
      "filter FORWARD FORWARD #1",
      "filter FORWARD FORWARD #2",
      "filter FORWARD FORWARD #3",
      "filter FORWARD FORWARD #4",
      "filter FORWARD FORWARD #5",
    ]);
  });

  it("tables missing from the dump are empty with an ACCEPT policy and leave no trace", () => {
    const r = rs(`*filter
:FORWARD DROP [0:0]
-A FORWARD -p udp -j ACCEPT
COMMIT
`);
    const e = run(r, ext("198.51.100.7", "udp", 53));
    expect(e.outcomes.map((o) => [o.verdict, traceText(o)])).toEqual([["ACCEPT", ["filter FORWARD FORWARD #1"]]]);
  });
});

describe("guards", () => {
  it("reports a jump loop as a diagnostic and an UNKNOWN outcome, never a stack overflow", () => {
    // The parser accepts it (the kernel would refuse it at load time).
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A FORWARD -j A
-A A -j B
-A B -j A
COMMIT
`);
    const e = run(r, ext());
    expect(e.outcomes.map((o) => o.verdict)).toEqual(["UNKNOWN"]);
    expect(e.diagnostics.map((d) => d.code)).toEqual(["chain-loop"]);
    expect(e.diagnostics[0]!.message).toMatch(/filter B rule 1 jumps to A, which is already being traversed/);
  });

  it("detects goto loops too (they would not grow the stack)", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A FORWARD -g A
-A A -g B
-A B -g A
COMMIT
`);
    const e = run(r, ext());
    expect(e.outcomes[0]!.verdict).toBe("UNKNOWN");
    expect(e.diagnostics[0]!.code).toBe("chain-loop");
  });

  it("gives up on excessive jump depth with a diagnostic", () => {
    const n = 80;
    const chains = Array.from({ length: n }, (_, i) => `:C${i} - [0:0]`).join("\n");
    const rules = Array.from({ length: n - 1 }, (_, i) => `-A C${i} -j C${i + 1}`).join("\n");
    const r = rs(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${chains}\n-A FORWARD -j C0\n${rules}\nCOMMIT\n`);
    const e = run(r, ext());
    expect(e.outcomes[0]!.verdict).toBe("UNKNOWN");
    expect(e.diagnostics.map((d) => d.code)).toEqual(["chain-depth"]);
  });

  it("cuts branches beyond the path budget as UNKNOWN, keeping their probability", () => {
    const rules = Array.from({ length: 12 }, () => "-A FORWARD -m statistic --mode random --probability 0.5 -j LOG").join("\n");
    const r = rs(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${rules}\nCOMMIT\n`);
    // (Which branches are cut depends on the walk order, so only the engine itself is checked here.)
    const e = compile(r, node()).evaluate(ext(), { maxPaths: 16 });
    expect(e.outcomes.some((o) => o.verdict === "UNKNOWN" && o.notes.some((n) => /path limit/.test(n)))).toBe(true);
    expect(total(e)).toBeCloseTo(1, 9);
  });
});

describe("pipeline", () => {
  const marks = rs(`*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -j MARK --set-xmark 0x4000/0x4000
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 198.51.100.7/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.5:8080
-A OUTPUT -d 198.51.100.7/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.5:8080
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A FORWARD -m conntrack --ctstate DNAT -o cni0 -j ACCEPT
-A OUTPUT -o cni0 -m conntrack --ctstate DNAT -j ACCEPT
-A OUTPUT -o eth0 -j DROP
COMMIT
`);
  const ctx = node(["192.0.2.10=eth0", "10.244.1.1=cni0"], ["10.244.1.0/24=cni0"]);

  it("routes after DNAT, keeps marks across tables and hooks, and records DNAT in conntrack", () => {
    const e = run(marks, ext(), ctx);
    const o = e.outcomes[0]!;
    expect(o.verdict).toBe("ACCEPT");
    expect(o.delivery).toBe("forward");
    expect(o.outIface).toBe("cni0");
    expect(o.packet.ctDnat).toBe(true);
    expect(o.masquerade).toBe(true);
    expect(formatAddr(o.packet.src)).toBe("10.244.1.1");
    expect(formatAddr(o.packet.dst)).toBe("10.244.1.5");
    expect(o.packet.dport).toBe(8080);
    expect(o.nat.map((n) => n.kind)).toEqual(["DNAT", "MASQUERADE"]);
    expect(traceText(o)).toEqual([
      "mangle PREROUTING PREROUTING #1",
      "mangle PREROUTING PREROUTING policy ACCEPT",
      "nat PREROUTING PREROUTING #1",
      "mangle FORWARD FORWARD policy ACCEPT",
      "filter FORWARD FORWARD #1",
      "mangle POSTROUTING POSTROUTING policy ACCEPT",
      "nat POSTROUTING POSTROUTING #1",
    ]);
  });

  it("runs nat only for a connection's first packet, and says so", () => {
    const e = run(marks, ext("198.51.100.7", "tcp", 80), ctx, {});
    expect(e.notes).toEqual([]);
    const est = run(marks, { ...ext(), ctState: "ESTABLISHED" }, ctx);
    const o = est.outcomes[0]!;
    expect(o.nat).toEqual([]);
    expect(o.verdict).toBe("DROP"); // FORWARD's policy: without DNAT the ctstate DNAT rule does not match
    expect(est.notes.some((n) => /nat PREROUTING not consulted: the packet is ESTABLISHED/.test(n))).toBe(true);
  });

  it("locally generated: OUTPUT, re-route after DNAT (filter OUTPUT sees the new interface), POSTROUTING", () => {
    const e = run(marks, pkt("192.0.2.10", "198.51.100.7", "tcp", 80, { from: "host" }), ctx);
    const o = e.outcomes[0]!;
    expect(o.verdict).toBe("ACCEPT");
    expect(o.delivery).toBe("output");
    expect(o.outIface).toBe("cni0");
    expect(traceText(o)).toEqual([
      "mangle OUTPUT OUTPUT policy ACCEPT",
      "nat OUTPUT OUTPUT #1",
      "filter OUTPUT OUTPUT #1",
      "mangle POSTROUTING POSTROUTING policy ACCEPT",
      "nat POSTROUTING POSTROUTING policy ACCEPT",
    ]);
    expect(o.masquerade).toBe(false); // the mark is only set on packets arriving on eth0
  });

  it("locally generated to a local address loops back through lo (INPUT runs, nat does not again)", () => {
    const e = run(marks, pkt("192.0.2.10", "127.0.0.1", "tcp", 22, { from: "host" }), ctx);
    const o = e.outcomes[0]!;
    expect(o.delivery).toBe("local");
    expect(o.outIface).toBe("lo");
    expect(traceText(o)).toContain("filter INPUT INPUT #1");
    expect(traceText(o).filter((s) => s.startsWith("nat"))).toEqual(["nat OUTPUT OUTPUT policy ACCEPT", "nat POSTROUTING POSTROUTING policy ACCEPT"]);
    expect(e.notes.some((n) => /looped back through lo/.test(n))).toBe(true);
  });

  it("the looped-back packet has no output interface in INPUT (`! -o lo` matches there)", () => {
    // Found by the kernel differential suite (edge-negations.save): the kernel drops this packet.
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:CHK - [0:0]
-A INPUT -j CHK
-A CHK ! -o lo -j DROP
COMMIT
`);
    const o = run(r, pkt("192.0.2.10", "192.0.2.10", "tcp", 22, { from: "host" }), node(["192.0.2.10=eth0"])).outcomes[0]!;
    expect([o.verdict, o.packet.inIface, o.packet.outIface]).toEqual(["DROP", "lo", undefined]);
    expect(traceText(o)).toEqual(["filter OUTPUT OUTPUT policy ACCEPT", "filter INPUT INPUT #1", "filter INPUT CHK #1"]);
  });

  it("routes by longest prefix, to INPUT for node addresses and 127.0.0.0/8", () => {
    const r = rs(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`);
    const c = node(["192.0.2.10"], ["10.244.0.0/16=flannel.1", "10.244.1.0/24=cni0"]);
    const where = (dst: string) => {
      const o = run(r, pkt("203.0.113.7", dst, "tcp", 80), c).outcomes[0]!;
      return `${o.delivery} ${o.outIface ?? ""}`.trim();
    };
    expect(where("10.244.1.9")).toBe("forward cni0");
    expect(where("10.244.7.9")).toBe("forward flannel.1");
    expect(where("8.8.8.8")).toBe("forward eth0");
    expect(where("192.0.2.10")).toBe("local");
    expect(where("127.0.0.1")).toBe("local");
  });

  it("input routing: broadcasts are delivered locally, martians and unjoined multicast are dropped after PREROUTING", () => {
    // Found by the kernel differential suite (its "known disagreements").
    const r = rs(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`);
    const c = node(["192.0.2.10/24=eth0", "10.244.1.1=cni0"], ["10.244.1.0/24=cni0"]);
    const fate = (src: string, dst: string, from: "external" | "pod" = "external") => {
      const o = run(r, pkt(src, dst, "udp", 53, { from }), c).outcomes[0]!;
      return `${o.verdict} ${o.delivery}${o.notes.length ? `: ${o.notes.join("; ")}` : ""}`;
    };
    expect(fate("203.0.113.7", "255.255.255.255")).toBe("ACCEPT local");
    expect(fate("203.0.113.7", "192.0.2.255")).toBe("ACCEPT local");
    expect(fate("203.0.113.7", "224.0.0.1")).toBe("ACCEPT local");
    expect(fate("203.0.113.7", "224.0.0.251")).toMatch(/^DROP none: input routing drops it: multicast group 224.0.0.251 not joined/);
    expect(fate("203.0.113.7", "0.0.0.0")).toMatch(/^DROP none: input routing drops it: martian destination/);
    expect(fate("192.0.2.10", "198.18.7.7")).toMatch(/^DROP none: input routing drops it: martian source: 192.0.2.10 is the node's own address, arriving on eth0/);
    expect(fate("10.244.1.1", "198.18.7.7", "pod")).toMatch(/martian source/);
    expect(fate("127.0.0.1", "198.18.7.7")).toMatch(/martian source/);
    // PREROUTING ran before the routing decision.
    const o = run(r, pkt("203.0.113.7", "0.0.0.0", "udp", 53), c).outcomes[0]!;
    expect(traceText(o)).toEqual(["raw PREROUTING PREROUTING policy ACCEPT"]);
  });

  it("a bridged packet nat leaves alone is forwarded within the bridge, with physdev facts", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m physdev --physdev-in veth1 --physdev-is-bridged -j ACCEPT
COMMIT
`);
    const e = run(r, pkt("10.244.1.5", "10.244.1.6", "tcp", 80, { from: "pod", physdevIn: "veth1" }), node());
    const o = e.outcomes[0]!;
    expect([o.verdict, o.delivery, o.outIface]).toEqual(["ACCEPT", "forward", "cni0"]);
  });
});

describe("uncertainty", () => {
  const ladder = rs(`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:SVC - [0:0]
-A PREROUTING -d 198.51.100.7/32 -p tcp -m tcp --dport 80 -j SVC
-A SVC -p tcp -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.244.1.1:80
-A SVC -p tcp -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.244.1.2:80
-A SVC -p tcp -j DNAT --to-destination 10.244.1.3:80
COMMIT
`);

  it("statistic branches multiply along the path: each endpoint of a ladder gets its share", () => {
    const e = run(ladder, ext());
    expect(e.outcomes.map((o) => formatAddr(o.packet.dst))).toEqual(["10.244.1.1", "10.244.1.2", "10.244.1.3"]);
    for (const o of e.outcomes) expect(o.probability).toBeCloseTo(1 / 3, 8);
    expect(total(e)).toBeCloseTo(1, 12);
  });

  it("--mode nth branches with 1/every", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m statistic --mode nth --every 4 --packet 0 -j DROP
COMMIT
`);
    const e = run(r, ext());
    expect(e.outcomes.map((o) => [o.verdict, o.probability])).toEqual([
      ["DROP", 0.25],
      ["ACCEPT", 0.75],
    ]);
  });

  it("an unknown match splits the world, labelled; the same key gets the same answer; assume fixes it", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m set --match-set blocked src -j LOG
-A FORWARD -m set --match-set blocked src -j DROP
COMMIT
`);
    const e = run(r, ext());
    expect(e.outcomes.map((o) => [o.verdict, o.probability, o.assumptions.map((a) => [a.holds, a.given])])).toEqual([
      ["DROP", 1, [[true, false]]],
      ["ACCEPT", 1, [[false, false]]],
    ]);
    const key = e.outcomes[0]!.assumptions[0]!.key;
    expect(e.outcomes[0]!.assumptions[0]!.text).toMatch(/blocked/);
    const fixed = run(r, ext(), node(), { assume: { [key]: false } });
    expect(fixed.outcomes.map((o) => [o.verdict, o.assumptions.map((a) => [a.holds, a.given])])).toEqual([["ACCEPT", [[false, true]]]]);
  });

  it("merges equal outcomes, adding probabilities and keeping every path's trace", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m statistic --mode random --probability 0.5 -j LOG
-A FORWARD -j ACCEPT
COMMIT
`);
    const e = run(r, ext());
    expect(e.outcomes).toHaveLength(1);
    const o = e.outcomes[0]!;
    expect(o.probability).toBeCloseTo(1, 12);
    expect(o.alternatives?.map((a) => a.trace.length)).toEqual([2, 1]);
  });

  it("mergeOutcomes leaves outcomes decided differently apart", () => {
    const e = run(ladder, ext());
    expect(mergeOutcomes(e.outcomes as Outcome[])).toHaveLength(3);
  });

  it("merges outcomes decided by the same rule only when packet, NAT and assumptions agree", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m statistic --mode random --probability 0.25 -j MARK --set-mark 1
-A FORWARD -m statistic --mode random --probability 0.5 -j LOG
-A FORWARD -j ACCEPT
COMMIT
`);
    // Four paths end at the same ACCEPT rule: two with mark 1, two with mark 0; each pair merges.
    const e = run(r, ext());
    expect(e.outcomes.map((o) => [o.packet.mark, Number(o.probability.toFixed(12)), o.alternatives?.length])).toEqual([
      [1, 0.25, 2],
      [0, 0.75, 2],
    ]);
    // Same decision and packet, different answers to one assumption: never merged (nor in a long list).
    const base = e.outcomes[1]!;
    const a = { ...base, assumptions: [{ key: "k", holds: true, text: "k", given: false }] } as Outcome;
    const b = { ...base, assumptions: [{ key: "k", holds: false, text: "k", given: false }] } as Outcome;
    expect(mergeOutcomes([a, b])).toHaveLength(2);
    expect(mergeOutcomes([a, a, b, b])).toHaveLength(2);
    expect(mergeOutcomes(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b)))).toHaveLength(2);
  });
});

describe("batch use", () => {
  it("one compiled engine evaluates many packets independently", () => {
    const r = rs(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p udp -j DROP
COMMIT
`);
    const engine = compile(r, node());
    const verdicts = ["tcp", "udp", "tcp"].map((p) => engine.evaluate(pkt("203.0.113.7", "198.51.100.7", p, 53)).outcomes[0]!.verdict);
    expect(verdicts).toEqual(["ACCEPT", "DROP", "ACCEPT"]);
  });

  it("refuses a packet of the other family with a diagnostic", () => {
    const r = rs(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`);
    const e = compile(r, node()).evaluate(pkt("2001:db8::1", "2001:db8::2", "tcp", 80));
    expect(e.outcomes).toEqual([]);
    expect(e.diagnostics.map((d) => d.code)).toEqual(["family-mismatch"]);
  });
});
