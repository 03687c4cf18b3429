/**
 * The situations operators ask about, on realistic kube-proxy dumps (test/engine/fixtures: a current
 * kube-proxy node and a pre-1.24 one), through `explain` and its JSON form. Every result is also
 * checked against docs/schemas/explain.schema.json, and every evaluation against the sequential walk.
 *
 * The node: eth0 192.0.2.10, cni0 10.244.1.1 with this node's pods 10.244.1.0/24; other pods
 * (10.244.2.0/24, 10.244.3.0/24) are reached through the default route on eth0.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Explainer, assumeFunction, parsePacketFields, type ExplainJson, type ExplainOptions, type JsonOutcome } from "../../src/explain/index.js";
import { evaluateSequential } from "../../src/engine/index.js";
import { KUBE_NODE, fixture, normalEvaluation, rs } from "../engine/helpers.js";
import { checkSchema } from "./schema-check.js";

const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "docs", "schemas", "explain.schema.json"), "utf8"));
const modern = rs(fixture("kube-modern.save"));
const legacy = rs(fixture("kube-legacy.save"));
const ctx = KUBE_NODE();
const explainers = new Map([
  [modern, new Explainer(modern, ctx)],
  [legacy, new Explainer(legacy, ctx)],
]);

/** Explain a packet given as batch-line fields; checks the schema and the sequential walk. */
function explain(fields: Record<string, unknown>, opts: ExplainOptions = {}, ruleset = modern): ExplainJson {
  const spec = parsePacketFields(fields, 4);
  if (!spec.ok) throw new Error(spec.error);
  const ex = explainers.get(ruleset)!;
  const r = ex.explain(spec.value, opts);
  expect(checkSchema(schema, JSON.parse(JSON.stringify(r)))).toEqual([]);
  const eo = opts.assume ? { assume: opts.assume } : {};
  expect(normalEvaluation(ex.engine.evaluate(spec.value, eo))).toEqual(normalEvaluation(evaluateSequential(ruleset, ctx, spec.value, eo)));
  return r;
}

const total = (x: ExplainJson) => x.outcomes.reduce((a, o) => a + o.probability, 0);
const byEndpoint = (x: ExplainJson): Record<string, JsonOutcome> => Object.fromEntries(x.outcomes.map((o) => [o.endpoint ?? "", o]));
const steps = (o: JsonOutcome) => o.trace.map((s) => ("policy" in s ? `${s.table} ${s.chain} ${s.policy}` : `${s.table} ${s.chain} #${s.index}`));

describe("cluster IP", () => {
  it("kube-dns with two endpoints: 50/50, source kept for pods", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.0.10", proto: "udp", dport: 53, from: "pod" });
    expect(x.service).toEqual({ name: "kube-system/kube-dns:dns", via: "cluster IP", address: "10.96.0.10", proto: "udp", port: 53 });
    expect(x.translated).toBe(true);
    expect(x.outcomes.map((o) => o.endpoint).sort()).toEqual(["10.244.1.3:53", "10.244.2.4:53"]);
    for (const o of x.outcomes) {
      expect(o.probability).toBeCloseTo(0.5, 9);
      expect([o.verdict, o.masquerade, o.delivery]).toEqual(["ACCEPT", false, "forward"]);
      expect(o.terminatingChain).toMatch(/^KUBE-SEP-/);
      expect(o.service?.name).toBe("kube-system/kube-dns:dns");
      expect(o.packet.src).toBe("10.244.1.5");
    }
    const eps = byEndpoint(x);
    expect(eps["10.244.1.3:53"]!.outIface).toBe("cni0");
    expect(eps["10.244.2.4:53"]!.outIface).toBe("eth0");
    expect(steps(eps["10.244.1.3:53"]!).slice(0, 6)).toEqual([
      "mangle PREROUTING ACCEPT",
      "nat PREROUTING #1",
      "nat KUBE-SERVICES #1",
      "nat KUBE-SVC-TCOU7JCQXEZGVUNU #2",
      "nat KUBE-SEP-IJRYZIJKF5EPHXEN #2",
      "mangle FORWARD ACCEPT",
    ]);
    expect(total(x)).toBeCloseTo(1, 12);
  });

  it("from the node itself: the source is masqueraded (KUBE-SVC's ! -s podCIDR rule marks it)", () => {
    const x = explain({ src: "192.0.2.10", dst: "10.96.0.10", proto: "tcp", dport: 53, from: "host" });
    expect(x.outcomes).toHaveLength(2);
    for (const o of x.outcomes) {
      expect(o.masquerade).toBe(true);
      expect(o.delivery).toBe("output");
      expect(steps(o)).toContain("nat KUBE-MARK-MASQ #1");
    }
  });

  it("hairpin: a pod reaching its own service is masqueraded when it lands on itself", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.10.10", dport: 80, from: "pod" });
    const eps = byEndpoint(x);
    expect(Object.keys(eps).sort()).toEqual(["10.244.1.5:8080", "10.244.2.6:8080"]);
    const self = eps["10.244.1.5:8080"]!;
    expect([self.masquerade, self.packet.src, self.outIface]).toEqual([true, "10.244.1.1", "cni0"]);
    expect(self.nat.map((n) => n.kind)).toEqual(["DNAT", "MASQUERADE"]);
    const other = eps["10.244.2.6:8080"]!;
    expect([other.masquerade, other.packet.src]).toEqual([false, "10.244.1.5"]);
  });

  it("ICMP to a cluster IP is not translated: near misses name the protocol and port it lacks", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.0.10", proto: "icmp", from: "pod" });
    expect(x.translated).toBe(false);
    expect(x.service).toBeNull();
    expect(x.otherServicesAtAddress.map((s) => `${s.name} ${s.proto}/${s.port}`)).toEqual(["kube-system/kube-dns:dns udp/53", "kube-system/kube-dns:dns-tcp tcp/53"]);
    expect(x.outcomes.map((o) => [o.verdict, o.endpoint, o.packet.dst])).toEqual([["ACCEPT", null, "10.96.0.10"]]);
    expect(x.nearMisses.filter((n) => n.chain === "KUBE-SERVICES").map((n) => [n.index, n.condition])).toEqual([
      [1, "-p udp -m udp --dport 53"],
      [2, "-p tcp -m tcp --dport 53"],
      [14, "-m addrtype --dst-type LOCAL"],
    ]);
  });

  it("the wrong port: the near miss is the port alone", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.0.10", proto: "udp", dport: 5353, from: "pod" });
    expect(x.translated).toBe(false);
    expect(x.nearMisses.map((n) => n.condition)).toContain("-m udp --dport 53");
    expect(x.nearMisses.map((n) => n.condition)).not.toContain("-p tcp -m tcp --dport 53");
  });

  it("a service without endpoints is rejected in filter KUBE-SERVICES", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.30.30", dport: 3306, from: "pod" });
    expect(x.service).toMatchObject({ name: "shop/legacy-db:mysql", via: "cluster IP" });
    const o = x.outcomes[0]!;
    expect([x.outcomes.length, o.verdict, o.rejectWith, o.terminatingChain]).toEqual([1, "REJECT", "icmp-port-unreachable", "KUBE-SERVICES"]);
    expect(o.terminatedBy).toMatchObject({ table: "filter", hook: "FORWARD", chain: "KUBE-SERVICES", index: 1 });
  });

  it("nat is not consulted for packets of an established connection, and the result says so", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.0.10", proto: "udp", dport: 53, from: "pod", ctstate: "ESTABLISHED" });
    expect(x.outcomes.map((o) => o.nat.length)).toEqual([0]);
    expect(x.notes.join("\n")).toMatch(/nat PREROUTING not consulted: the packet is ESTABLISHED/);
  });
});

describe("node ports and external traffic", () => {
  it("externalTrafficPolicy Cluster: any endpoint, source masqueraded to the node", () => {
    const x = explain({ src: "203.0.113.7", dst: "192.0.2.10", dport: 30080, from: "external" });
    expect(x.service).toEqual({ name: "shop/web:http", via: "nodePort", address: null, proto: "tcp", port: 30080 });
    const eps = byEndpoint(x);
    expect(Object.keys(eps).sort()).toEqual(["10.244.1.5:8080", "10.244.2.6:8080"]);
    expect(eps["10.244.2.6:8080"]!.packet.src).toBe("192.0.2.10");
    expect(eps["10.244.1.5:8080"]!.packet.src).toBe("10.244.1.1");
    for (const o of x.outcomes) {
      expect(o.masquerade).toBe(true);
      expect(o.probability).toBeCloseTo(0.5, 9);
      expect(steps(o)).toEqual(expect.arrayContaining(["nat KUBE-SERVICES #14", "nat KUBE-NODEPORTS #2", "filter KUBE-FORWARD #2"]));
    }
  });

  it("externalTrafficPolicy Local with a local endpoint: only it, and the client's address is kept", () => {
    const x = explain({ src: "203.0.113.7", dst: "192.0.2.10", dport: 31080 });
    expect(x.outcomes.map((o) => [o.probability, o.endpoint, o.masquerade, o.packet.src])).toEqual([[1, "10.244.1.7:8080", false, "203.0.113.7"]]);
    expect(steps(x.outcomes[0]!)).toContain("nat KUBE-SVL-RUKNB3TURLFC6SGL #1");
  });

  it("externalTrafficPolicy Local on a node without local endpoints: dropped (node port and LB IP)", () => {
    const np = explain({ src: "203.0.113.7", dst: "192.0.2.10", dport: 31800 });
    expect(np.outcomes.map((o) => [o.verdict, o.terminatingChain, o.terminatedBy?.hook])).toEqual([["DROP", "KUBE-EXTERNAL-SERVICES", "INPUT"]]);
    expect(np.service?.name).toBe("shop/search:http");
    const lb = explain({ src: "203.0.113.7", dst: "198.51.100.40", dport: 80 });
    expect(lb.outcomes.map((o) => [o.verdict, o.terminatingChain, o.terminatedBy?.hook])).toEqual([["DROP", "KUBE-EXTERNAL-SERVICES", "FORWARD"]]);
    expect(lb.service).toMatchObject({ name: "shop/search:http", via: "loadbalancer IP" });
  });

  it("the same Local service from a pod goes to every endpoint (pod traffic rule)", () => {
    const x = explain({ src: "10.244.1.5", dst: "198.51.100.40", dport: 80, from: "pod" });
    expect(x.outcomes.map((o) => [o.verdict, o.endpoint])).toEqual([["ACCEPT", "10.244.2.9:8080"]]);
  });

  it("load-balancer source ranges: allowed sources are translated, others dropped by KUBE-PROXY-FIREWALL", () => {
    const ok = explain({ src: "203.0.113.7", dst: "198.51.100.30", dport: 9090 });
    expect(ok.outcomes.map((o) => [o.verdict, o.endpoint, o.masquerade])).toEqual([["ACCEPT", "10.244.3.10:9090", true]]);
    expect(ok.outcomes[0]!.service?.via).toBe("loadbalancer IP");
    const no = explain({ src: "192.0.2.99", dst: "198.51.100.30", dport: 9090 });
    const o = no.outcomes[0]!;
    expect([no.outcomes.length, o.verdict, o.terminatingChain]).toEqual([1, "DROP", "KUBE-PROXY-FIREWALL"]);
    // KUBE-FW's last rule only counts (no target): it is in the trace like any matched rule.
    expect(steps(o)).toEqual(expect.arrayContaining(["nat KUBE-FW-C435J2JLDMJKKAWZ #2", "filter KUBE-PROXY-FIREWALL #1"]));
    expect(no.nearMisses.map((n) => [n.chain, n.condition])).toContainEqual(["KUBE-FW-C435J2JLDMJKKAWZ", "-s 203.0.113.0/24"]);
  });

  it("an external IP without endpoints is rejected in KUBE-EXTERNAL-SERVICES", () => {
    const x = explain({ src: "203.0.113.7", dst: "203.0.113.99", dport: 3306 });
    expect(x.outcomes.map((o) => [o.verdict, o.terminatingChain])).toEqual([["REJECT", "KUBE-EXTERNAL-SERVICES"]]);
  });

  it("an external IP equal to a node IP captures the node's own traffic to that port", () => {
    const host = explain({ src: "192.0.2.10", dst: "192.0.2.10", dport: 8081, from: "host" });
    expect(host.service).toMatchObject({ name: "monitoring/agent:http", via: "external IP", address: "192.0.2.10" });
    expect(host.outcomes.map((o) => [o.verdict, o.delivery, o.outIface, o.endpoint, o.masquerade])).toEqual([["ACCEPT", "output", "cni0", "10.244.1.11:9100", true]]);
    const ext = explain({ src: "203.0.113.7", dst: "192.0.2.10", dport: 8081 });
    expect(ext.outcomes.map((o) => o.endpoint)).toEqual(["10.244.1.11:9100"]);
  });

  it("localhost node ports: the node reaching 127.0.0.1:NODEPORT is translated and masqueraded", () => {
    const x = explain({ src: "127.0.0.1", dst: "127.0.0.1", dport: 30080, from: "host" });
    expect(x.outcomes.map((o) => o.endpoint).sort()).toEqual(["10.244.1.5:8080", "10.244.2.6:8080"]);
    for (const o of x.outcomes) {
      expect(steps(o)).toContain("nat KUBE-NODEPORTS #1");
      expect(o.masquerade).toBe(true);
    }
  });
});

describe("session affinity", () => {
  it("branches on the recent lists: an affinity hit per endpoint, and the 50/50 ladder when there is no previous state", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.40.40", dport: 80, from: "pod" });
    expect(x.outcomes).toHaveLength(4);
    const keys = [...new Set(x.outcomes.flatMap((o) => o.assumptions.map((a) => a.key)))].sort();
    expect(keys).toEqual(["recent:KUBE-SEP-CCIXJAJJ2SCIEXMI", "recent:KUBE-SEP-HY2JHPXPKUQISEPT"]);
    // For every answer to both questions, the outcomes that agree with it add up to 1.
    for (const a of [true, false])
      for (const b of [true, false]) {
        const answer = new Map([
          [keys[0]!, a],
          [keys[1]!, b],
        ]);
        const agree = x.outcomes.filter((o) => o.assumptions.every((s) => answer.get(s.key) === s.holds));
        expect(agree.reduce((t, o) => t + o.probability, 0)).toBeCloseTo(1, 9);
      }
    const fresh = x.outcomes.filter((o) => o.assumptions.every((s) => !s.holds));
    expect(fresh.map((o) => [o.endpoint, o.probability])).toEqual([
      ["10.244.1.12:8080", 0.5],
      ["10.244.2.13:8080", 0.5],
    ]);
  });

  it("--assume-recent miss: no previous state, given as an assumption, no branching", () => {
    const x = explain({ src: "10.244.1.5", dst: "10.96.40.40", dport: 80, from: "pod" }, { assume: assumeFunction([{ key: "recent:*", holds: false }]) });
    expect(x.outcomes.map((o) => [o.endpoint, o.probability, o.assumptions.every((a) => a.given && !a.holds)])).toEqual([
      ["10.244.1.12:8080", 0.5],
      ["10.244.2.13:8080", 0.5],
    ].map(([e, p]) => [e, p, true]));
  });

  it("an affinity entry for one endpoint sends everything there", () => {
    const x = explain(
      { src: "10.244.1.5", dst: "10.96.40.40", dport: 80, from: "pod" },
      { assume: assumeFunction([{ key: "recent:KUBE-SEP-CCIXJAJJ2SCIEXMI", holds: true }, { key: "recent:*", holds: false }]) },
    );
    expect(x.outcomes.map((o) => [o.endpoint, o.probability])).toEqual([["10.244.2.13:8080", 1]]);
  });
});

describe("the pre-1.24 generation (KUBE-XLB, KUBE-MARK-DROP)", () => {
  it("a node port of a Local service without local endpoints is marked for drop and dropped by KUBE-FIREWALL", () => {
    const x = explain({ src: "203.0.113.7", dst: "192.0.2.10", dport: 31060 }, {}, legacy);
    const o = x.outcomes[0]!;
    expect([x.outcomes.length, o.verdict, o.terminatingChain, o.packet.mark]).toEqual([1, "DROP", "KUBE-FIREWALL", "0x8000"]);
    expect(steps(o)).toEqual(expect.arrayContaining(["nat KUBE-XLB-LGWEBHTTPQ7RZ4ABC #4", "nat KUBE-MARK-DROP #1", "filter KUBE-FIREWALL #1"]));
    expect(x.service).toMatchObject({ name: "legacy/web:http", via: "nodePort" });
  });

  it("the cluster IP from outside the pod network is masqueraded by the KUBE-SERVICES rule", () => {
    const x = explain({ src: "203.0.113.7", dst: "10.96.60.60", dport: 80 }, {}, legacy);
    expect(x.outcomes.map((o) => [o.verdict, o.endpoint, o.masquerade])).toEqual([["ACCEPT", "10.244.2.20:8080", true]]);
  });

  it("a load-balancer IP from outside its source ranges ends at FORWARD's DROP policy", () => {
    const x = explain({ src: "192.0.2.99", dst: "198.51.100.60", dport: 80 }, {}, legacy);
    const o = x.outcomes[0]!;
    expect([o.verdict, o.terminatedBy?.policy, o.packet.mark]).toEqual(["DROP", "DROP", "0x8000"]);
  });
});
