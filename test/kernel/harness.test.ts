/**
 * Tests of the kernel harness itself: the real kernel must do what the hand-written dump says,
 * and the harness must report it faithfully.  Skipped (with the reason printed once) when the
 * machine can't run kernel tests (not root, no netns, tools missing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Lab,
  type ProbeResult,
  type RuleCounter,
  createLab,
  kernelAvailable,
  listNamespaces,
  sendpktSelftest,
} from "./harness.js";

const avail = kernelAvailable();
if (!avail.ok) console.warn(`[kernel tests skipped] ${avail.reason}`);

const DUMP4 = `# hand-written kube-proxy-like dump
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10/0x10
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-DNS - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-SEP-B - [0:0]
-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-DNS
-A OUTPUT -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-DNS
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SVC-DNS -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A
-A KUBE-SVC-DNS -j KUBE-SEP-B
-A KUBE-SEP-A -s 10.244.1.5/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-A -p udp -m udp -j DNAT --to-destination 10.244.1.5:53
-A KUBE-SEP-B -s 10.244.2.6/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-B -p udp -m udp -j DNAT --to-destination 10.244.2.6:53
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j DROP
-A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with tcp-reset
-A INPUT -m mark --mark 0x10/0x10 -j ACCEPT
-A FORWARD -d 10.244.9.9/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
-A OUTPUT -d 10.244.0.0/16 -p udp -j ACCEPT
COMMIT
`;

const DUMP6 = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d fd00:10:96::a/128 -p udp -m udp --dport 53 -j DNAT --to-destination [fd00:10:244:1::5]:53
-A PREROUTING -d fd00:10:96::b/128 -p tcp -m tcp --dport 443 -j DNAT --to-destination [fd00:10:244:2::6]:8443
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j DROP
COMMIT
`;

const key = (r: { table: string; chain: string; index?: number }) => `${r.table}/${r.chain}${r.index !== undefined ? `/${r.index}` : ""}`;
const hits = (rs: RuleCounter[], table?: string) => rs.filter((r) => !table || r.table === table).map(key).sort();
const hitCount = (r: ProbeResult, table: string, chain: string, index: number) =>
  r.matched.find((m) => m.table === table && m.chain === chain && m.index === index)?.packets ?? 0;
const policy = (r: ProbeResult, table: string, chain: string, family = 4) =>
  r.policies.find((p) => p.family === family && p.table === table && p.chain === chain)?.packets ?? -1;

describe.skipIf(!avail.ok)("kernel harness", () => {
  let lab: Lab;

  beforeAll(() => {
    lab = createLab();
    const r4 = lab.load(DUMP4);
    expect(r4, r4.stderr).toMatchObject({ ok: true });
    const r6 = lab.load(DUMP6, { family: 6 });
    expect(r6, r6.stderr).toMatchObject({ ok: true });
  });
  afterAll(() => lab?.destroy());

  it("sendpkt.py checksums give known answers (CRC32c check value, Internet checksum)", () => {
    expect(sendpktSelftest()).toEqual({ crc32c_123456789: "e3069283", ipv4_header_sum: 0, tcp_sum: 0 });
  });

  it("load() reports iptables-restore errors", () => {
    const bad = lab.load("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 99999 -j DROP\nCOMMIT\n", { family: 4 });
    expect(bad.ok).toBe(false);
    expect(bad.stderr).toMatch(/port|invalid|99999/i);
    // restore the real dump (a failed restore leaves the old tables untouched, but be explicit)
    expect(lab.load(DUMP4).ok).toBe(true);
  });

  it("a DNAT'ed UDP probe counts once on the chosen endpoint and conntrack shows it", async () => {
    const r = await lab.probe({ from: "external", proto: "udp", dst: "10.96.0.10", dport: 53 });
    expect(r.errors).toEqual([]);
    expect(hitCount(r, "nat", "PREROUTING", 1)).toBe(1);
    expect(hitCount(r, "nat", "KUBE-SVC-DNS", 1) + hitCount(r, "nat", "KUBE-SVC-DNS", 2)).toBe(1);
    const a = hitCount(r, "nat", "KUBE-SEP-A", 2);
    const b = hitCount(r, "nat", "KUBE-SEP-B", 2);
    expect(a + b).toBe(1);
    // KUBE-SVC-DNS rule 1 jumps to SEP-A; when it did not match, rule 2 (SEP-B) did
    expect(hitCount(r, "nat", "KUBE-SVC-DNS", 1)).toBe(a);
    const endpoint = a ? "10.244.1.5" : "10.244.2.6";
    expect(r.conntrack).toHaveLength(1);
    expect(r.conntrack[0]).toMatchObject({
      proto: "udp", origSrc: r.sent.src, origDst: "10.96.0.10", origSport: r.sent.sport, origDport: 53,
      replySrc: endpoint, replySport: 53, replyDst: r.sent.src,
    });
    // the packet left the node towards the pod namespace, translated
    const probes = r.delivered.filter((d) => d.kind === "probe");
    expect(probes).toEqual([expect.objectContaining({ to: "pod", dst: endpoint, dport: 53, src: r.sent.src, proto: 17 })]);
    expect(r.outcome).toBe("forwarded");
    // the dump's line numbers are mapped
    const dnat = r.matched.find((m) => m.chain === (a ? "KUBE-SEP-A" : "KUBE-SEP-B") && m.index === 2)!;
    expect(DUMP4.split("\n")[dnat.line! - 1]).toContain(`--to-destination ${endpoint}:53`);
    expect(dnat.ruleText).toContain("DNAT");
    // pipeline order from the trace: PREROUTING jump before the DNAT, FORWARD/POSTROUTING after
    if (r.trace) {
      const steps = r.trace.filter((s) => s.kind === "probe").map((s) => `${s.hook}:${key(s)}:${s.verdict}`);
      expect(steps).toEqual([
        "prerouting:mangle/PREROUTING:accept", // policy (the tcp/8080 MARK rule did not match)
        "prerouting:nat/PREROUTING/1:jump",
        a ? "prerouting:nat/KUBE-SVC-DNS/1:jump" : "prerouting:nat/KUBE-SVC-DNS/2:jump",
        `prerouting:nat/${a ? "KUBE-SEP-A" : "KUBE-SEP-B"}/2:accept`,
        "forward:mangle/FORWARD:accept",
        "forward:filter/FORWARD:accept",
        "postrouting:mangle/POSTROUTING:accept",
        "postrouting:nat/POSTROUTING:accept",
      ]);
      expect(r.trace.filter((s) => s.kind !== "probe")).toEqual([]);
    }
  });

  it("tcp/22 hits the DROP rule and nothing else in filter", async () => {
    const r = await lab.probe({ from: "external", proto: "tcp", dst: lab.topo.nodeIP4, dport: 22 });
    expect(hits(r.matched, "filter")).toEqual(["filter/INPUT/1"]);
    expect(r.policies.filter((p) => p.table === "filter" && p.packets > 0)).toEqual([]);
    expect(policy(r, "nat", "PREROUTING")).toBe(1);
    expect(policy(r, "nat", "INPUT")).toBe(0); // filter INPUT (prio 0) dropped it before nat INPUT (prio 100)
    expect(r.delivered).toEqual([]);
    expect(r.conntrack).toEqual([]);
    expect(r.outcome === "dropped" || r.separation === "heuristic").toBe(true);
    // separated counters carry packets and bytes like the kernel counters
    expect(r.probeMatched.map((m) => [key(m), m.packets, m.bytes])).toEqual(r.matched.map((m) => [key(m), m.packets, m.bytes]));
    expect(r.matched[0]!.bytes).toBe(40); // 20 IP + 20 TCP
  });

  it("counters and conntrack are zero before each probe", async () => {
    const first = await lab.probe({ from: "external", proto: "tcp", dst: lab.topo.nodeIP4, dport: 22 });
    expect(hitCount(first, "filter", "INPUT", 1)).toBe(1); // not 2: the previous test's hit was zeroed
    const second = await lab.probe({ from: "external", proto: "udp", dst: "10.96.0.10", dport: 53 });
    expect(hitCount(second, "filter", "INPUT", 1)).toBe(0);
    expect(second.conntrack).toHaveLength(1);
    lab.reset();
    const c = lab.counters();
    expect(c.rules.length).toBeGreaterThan(10);
    expect(c.rules.filter((x) => x.packets !== 0 || x.bytes !== 0)).toEqual([]);
    expect(c.policies.filter((x) => x.packets !== 0 || x.bytes !== 0)).toEqual([]);
  });

  it("REJECT: the RST is reported as reply traffic, separated from the probe", async () => {
    const r = await lab.probe({ from: "external", proto: "tcp", dst: lab.topo.nodeIP4, dport: 23 });
    expect(hits(r.matched, "filter")).toEqual(["filter/INPUT/2"]);
    // raw counters include the RST's own traversal of OUTPUT ...
    expect(policy(r, "filter", "OUTPUT")).toBe(1);
    // ... which the separation attributes to the reply, not to the probe
    expect(hits(r.probeMatched, "filter")).toEqual(["filter/INPUT/2"]);
    expect(r.replyPolicies.map(key)).toContain("filter/OUTPUT");
    expect(r.probePolicies.map(key)).not.toContain("filter/OUTPUT");
    const rst = r.delivered.filter((d) => d.kind === "reply");
    expect(rst).toEqual([expect.objectContaining({ to: "external", src: lab.topo.nodeIP4, dst: r.sent.src, sport: 23, dport: r.sent.sport, proto: 6 })]);
    expect(rst[0]!.tcpFlags! & 0x04).toBe(0x04); // RST
    expect(r.delivered.filter((d) => d.kind === "probe")).toEqual([]);
  });

  it("REJECT in FORWARD: ICMP port unreachable quoting the probe", async () => {
    const r = await lab.probe({ from: "pod", proto: "tcp", dst: "10.244.9.9", dport: 80 });
    expect(hits(r.probeMatched, "filter")).toEqual(["filter/FORWARD/1"]);
    const icmp = r.delivered.filter((d) => d.kind === "reply");
    expect(icmp).toHaveLength(1);
    expect(icmp[0]).toMatchObject({ to: "pod", proto: 1, icmpType: 3, icmpCode: 3, dst: r.sent.src });
    expect(icmp[0]!.inner).toMatchObject({ src: r.sent.src, dst: "10.244.9.9", dport: 80 });
  });

  it("MARK in mangle PREROUTING is seen by filter INPUT", async () => {
    const r = await lab.probe({ from: "external", proto: "tcp", dst: lab.topo.nodeIP4, dport: 8080 });
    expect(hits(r.probeMatched)).toEqual(["filter/INPUT/3", "mangle/PREROUTING/1"]);
    expect(hitCount(r, "filter", "INPUT", 3)).toBe(1);
    if (r.trace) {
      const input = r.trace.find((s) => s.kind === "probe" && s.table === "filter" && s.chain === "INPUT");
      expect(input?.mark).toBe(0x10);
      expect(r.outcome).toBe("local");
    }
    // the kernel answers the SYN to a closed port with a RST: reply traffic only
    expect(r.delivered.some((d) => d.kind === "reply" && (d.tcpFlags! & 0x04) !== 0)).toBe(true);
  });

  it("a from:host probe traverses OUTPUT (nat OUTPUT DNAT, filter OUTPUT), not PREROUTING", async () => {
    const r = await lab.probe({ from: "host", proto: "udp", dst: "10.96.0.10", dport: 53 });
    expect(r.errors).toEqual([]);
    expect(hitCount(r, "nat", "OUTPUT", 1)).toBe(1);
    expect(hitCount(r, "nat", "PREROUTING", 1)).toBe(0);
    expect(hitCount(r, "filter", "OUTPUT", 1)).toBe(1);
    expect(policy(r, "nat", "PREROUTING")).toBe(0);
    expect(r.conntrack).toHaveLength(1);
    expect(r.conntrack[0]!.origSrc).toBe(lab.topo.nodeIP4);
    expect(["10.244.1.5", "10.244.2.6"]).toContain(r.conntrack[0]!.replySrc);
    expect(r.delivered.filter((d) => d.kind === "probe")).toEqual([expect.objectContaining({ to: "pod", dst: r.conntrack[0]!.replySrc })]);
    if (r.trace) expect(r.trace.find((s) => s.kind === "probe")?.hook).toBe("output");
  });

  it("TCP, SCTP (CRC32c) and ICMP probes are valid for conntrack; a corrupt checksum is not", async () => {
    // Conntrack verifies checksums in PREROUTING: only well-formed packets get an entry.
    const tcp = await lab.probe({ from: "pod", proto: "tcp", dst: "203.0.113.80", dport: 443 });
    expect(tcp.conntrack.map((c) => [c.proto, c.state])).toEqual([["tcp", "SYN_SENT"]]);
    const sctp = await lab.probe({ from: "pod", proto: "sctp", dst: "203.0.113.80", dport: 3868 });
    expect(sctp.conntrack.map((c) => c.proto)).toEqual(["sctp"]);
    expect(sctp.delivered.filter((d) => d.kind === "probe")).toEqual([expect.objectContaining({ to: "external", proto: 132, dport: 3868 })]);
    const icmp = await lab.probe({ from: "pod", proto: "icmp", dst: "203.0.113.80" });
    expect(icmp.conntrack).toEqual([expect.objectContaining({ proto: "icmp", icmpType: 8, icmpId: icmp.sent.sport })]);
    const bad = await lab.probe({ from: "pod", proto: "tcp", dst: "203.0.113.80", dport: 443, badChecksum: true });
    expect(bad.conntrack).toEqual([]);
    const badSctp = await lab.probe({ from: "pod", proto: "sctp", dst: "203.0.113.80", dport: 3868, badChecksum: true });
    expect(badSctp.conntrack).toEqual([]);
  });

  it("200 probes of the 2-endpoint statistic ladder land on both endpoints (binomial tolerance)", async () => {
    const n = 200;
    const t0 = performance.now();
    const r = await lab.probeMany({ from: "external", proto: "udp", dst: "10.96.0.10", dport: 53 }, n);
    const ms = performance.now() - t0;
    expect(r.sent).toBe(n);
    const a = r.destinations["10.244.1.5:53"] ?? 0;
    const b = r.destinations["10.244.2.6:53"] ?? 0;
    expect(Object.keys(r.destinations).sort()).toEqual(["10.244.1.5:53", "10.244.2.6:53"]);
    expect(a + b).toBe(n);
    // p = 0.5: mean 100, sd ~7.07; +-5 sd => failure probability < 1e-6
    expect(a).toBeGreaterThanOrEqual(65);
    expect(a).toBeLessThanOrEqual(135);
    // counters agree with conntrack, and the captured packets agree too
    const sepA = r.matched.find((m) => m.chain === "KUBE-SEP-A" && m.index === 2)?.packets ?? 0;
    const sepB = r.matched.find((m) => m.chain === "KUBE-SEP-B" && m.index === 2)?.packets ?? 0;
    expect([sepA, sepB]).toEqual([a, b]);
    expect(r.deliveredTo).toEqual({ "pod:10.244.1.5:53": a, "pod:10.244.2.6:53": b });
    expect(ms).toBeLessThan(5000);
  });

  it("IPv6: ip6tables DNAT and DROP", async () => {
    const r = await lab.probe({ from: "external", family: 6, proto: "tcp", dst: "fd00:10:96::b", dport: 443 });
    expect(r.errors).toEqual([]);
    expect(r.matched.filter((m) => m.family === 6).map(key)).toEqual(["nat/PREROUTING/2"]);
    expect(r.conntrack).toEqual([expect.objectContaining({ family: 6, origDst: "fd00:10:96::b", replySrc: "fd00:10:244:2::6", replySport: 8443 })]);
    expect(r.delivered.filter((d) => d.kind === "probe")).toEqual([expect.objectContaining({ to: "pod", family: 6, dst: "fd00:10:244:2::6", dport: 8443 })]);
    const d = await lab.probe({ from: "external", family: 6, proto: "tcp", dst: lab.topo.nodeIP6, dport: 22 });
    expect(d.matched.filter((m) => m.family === 6 && m.table === "filter").map(key)).toEqual(["filter/INPUT/1"]);
    // the IPv4 tables saw nothing
    expect(d.matched.filter((m) => m.family === 4)).toEqual([]);
  });

  it("legacy backend: counters-only separation still attributes OUTPUT hits to the reply", async () => {
    const legacy = createLab({ ipv6: false });
    try {
      const res = legacy.load(DUMP4, { legacy: true });
      expect(res, res.stderr).toMatchObject({ ok: true });
      expect(legacy.save()).not.toContain("nf_tables");
      const r = await legacy.probe({ from: "external", proto: "tcp", dst: legacy.topo.nodeIP4, dport: 23 });
      expect(r.separation).toBe("heuristic");
      expect(r.trace).toBeUndefined();
      expect(hits(r.matched, "filter")).toEqual(["filter/INPUT/2"]);
      expect(r.policies.find((p) => p.table === "filter" && p.chain === "OUTPUT")?.packets).toBe(1);
      expect(r.replyPolicies.map(key)).toContain("filter/OUTPUT");
      expect(r.probeMatched.map(key)).toEqual(["filter/INPUT/2"]);
    } finally {
      legacy.destroy();
    }
  });

  it("ipsets (with members) and nfacct objects referenced by a dump are created", async () => {
    const l = createLab({ ipv6: false });
    try {
      const dump = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m set --match-set BLOCKED src -m nfacct --nfacct-name blocked-bytes -j DROP
-A INPUT -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
-A INPUT -m set --match-set EMPTY-SET src -j DROP
COMMIT
`;
      const res = l.load(dump, { ipsets: [
        { name: "BLOCKED", type: "hash:net", entries: ["203.0.113.0/28"] },
        { name: "KUBE-CLUSTER-IP", type: "hash:ip,port", entries: ["192.0.2.10,udp:53"] },
      ] });
      expect(res, res.stderr).toMatchObject({ ok: true });
      expect(res.missing ?? []).toEqual([]);
      const blocked = await l.probe({ from: "external", src: "203.0.113.7", proto: "udp", dst: l.topo.nodeIP4, dport: 53 });
      expect(hits(blocked.matched)).toEqual(["filter/INPUT/1"]);
      const member = await l.probe({ from: "external", src: "203.0.113.77", proto: "udp", dst: l.topo.nodeIP4, dport: 53 });
      expect(hits(member.matched)).toEqual(["filter/INPUT/2"]);
      const other = await l.probe({ from: "external", src: "203.0.113.77", proto: "udp", dst: l.topo.nodeIP4, dport: 54 });
      expect(hits(other.matched)).toEqual([]);
      expect(other.policies.find((p) => p.table === "filter" && p.chain === "INPUT")?.packets).toBe(1);
    } finally {
      l.destroy();
    }
  });

  it("destroy() removes every namespace of the lab", () => {
    const tmp = createLab({ ipv6: false, trace: false });
    const names = Object.values(tmp.names);
    expect(listNamespaces()).toEqual(expect.arrayContaining(names));
    tmp.destroy();
    const left = listNamespaces();
    for (const n of names) expect(left).not.toContain(n);
    expect(() => tmp.exec("node", "true")).toThrow(/destroyed/);
    tmp.destroy(); // idempotent
  });
});
