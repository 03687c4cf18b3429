/** Rule sets that are not kube-proxy's: a host firewall, Docker, Calico. */
import { describe, expect, it } from "vitest";
import { diff, dropLines, dump, edit, expectWitnessesReproduce, node } from "./helpers.js";

const HOST = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:SSH - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j SSH
-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A SSH -s 10.0.0.0/8 -j ACCEPT
-A SSH -s 192.0.2.0/24 -j ACCEPT
-A SSH -j LOG --log-prefix "ssh denied: "
COMMIT
`;

describe("a host firewall", () => {
  it("a narrowed SSH source range: the lost sources, dropped now", () => {
    const b = edit(HOST, ["-A SSH -s 10.0.0.0/8 -j ACCEPT", "-A SSH -s 10.1.0.0/16 -j ACCEPT"]);
    const ctx = node(["192.0.2.10"]);
    const r = diff(HOST, b, { context: ctx });
    expect(r.summary.kube).toBeNull();
    expect(r.summary.changedChains).toEqual([{ table: "filter", chain: "INPUT" }]);
    // Locally generated packets come in on lo, accepted before the SSH rules: no difference from host.
    // Input routing delivers the limited broadcast and the all-hosts group locally too.
    expect(r.differences.map((d) => d.origin)).toEqual(["external", "pod"]);
    for (const d of r.differences) {
      expect(d.predicate).toMatch(/^tcp dst ∈ \{127\.0\.0\.0\/8, 192\.0\.2\.10, 224\.0\.0\.1, 255\.255\.255\.255\} dport 22 src ∈ \{.*10\.0\.0\.0\/16, 10\.2\.0\.0\/15/);
      expect(d.witness.src).toMatch(/^10\./);
      expect(d.witness.src.startsWith("10.1.")).toBe(false);
    }
    const d = r.differences[0]!;
    expect(d.before.map((o) => [o.verdict, o.delivery])).toEqual([["ACCEPT", "local"]]);
    expect(d.after.map((o) => o.verdict)).toEqual(["DROP"]);
    expectWitnessesReproduce(HOST, b, r, ctx);
  });

  it("reordering independent rules and a LOG prefix are not differences", () => {
    const b = edit(
      HOST,
      ["-A INPUT -p tcp -m tcp --dport 22 -j SSH\n-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT\n", "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j SSH\n"],
      ['--log-prefix "ssh denied: "', '--log-prefix "ssh: "'],
    );
    const r = diff(HOST, b, { context: node(["192.0.2.10"]) });
    expect(r.equivalent).toBe(true);
  });

  it("a policy change is a difference for every packet that reaches the policy", () => {
    const b = edit(HOST, [":FORWARD DROP [0:0]", ":FORWARD ACCEPT [0:0]"]);
    const ctx = node(["192.0.2.10"]);
    const r = diff(HOST, b, { context: ctx, origins: ["external"] });
    expect(r.differences).toHaveLength(1);
    // Forwarded packets: neither local nor dropped by input routing (0.0.0.0/8, multicast, broadcast).
    expect(r.differences[0]!.predicate).toBe("dst ∉ {0.0.0.0/8, 127.0.0.0/8, 192.0.2.10, 224.0.0.0/4, 255.255.255.255}");
    expectWitnessesReproduce(HOST, b, r, ctx);
  });
});

describe("Docker", () => {
  const DOCKER = dump("docker.save");
  const ctx = node(["192.0.2.10"], ["172.17.0.0/16=docker0", "172.18.0.0/16=br-5f1c2d3e4a6b"]);

  it("an unpublished port: the node port is no longer forwarded to the container", () => {
    const b = dropLines(DOCKER, "--dport 8080 -j DNAT", "-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT");
    const r = diff(DOCKER, b, { context: ctx });
    expect(r.equivalent).toBe(false);
    const ext = r.differences.find((d) => d.origin === "external" && d.predicate.includes("dport 8080"))!;
    // Docker publishes the port to every interface but its bridges (`! -i docker0`).
    expect(ext.predicate).toBe("tcp dst ∈ {127.0.0.0/8, 192.0.2.10} dport 8080 iif ∉ {docker0, br-5f1c2d3e4a6b}");
    expect(ext.before[0]!.packet.dst.value).toBe(0xac110002n);
    expect(ext.after[0]!.delivery).toBe("local");
    expectWitnessesReproduce(DOCKER, b, r, ctx);
  });
});

describe("Calico", () => {
  const CALICO = dump("kube-proxy-calico.save");
  it("the VXLAN drop rule removed: VXLAN to the node from hosts outside the set is accepted now", () => {
    const b = dropLines(CALICO, '"Drop VXLAN packets from non-whitelisted hosts"');
    const r = diff(CALICO, b);
    expect(r.complete).toBe(true);
    expect(r.summary.kube?.servicesChanged).toEqual([]);
    expect(r.summary.changedChains).toEqual([{ table: "filter", chain: "INPUT" }]);
    expect(r.differences.length).toBeGreaterThan(0);
    for (const d of r.differences) {
      expect(d.witness.proto).toBe("udp");
      expect(d.witness.dport).toBe(4789);
      // Before: dropped by cali-INPUT when the source is not in the ipset; after: never by cali-INPUT.
      const byInput = (o: (typeof d.before)[number]) => o.verdict === "DROP" && o.decision?.chain === "cali-INPUT";
      expect(d.before.some((o) => byInput(o) && o.assumptions.some((a) => a.key.startsWith("set:") && !a.holds))).toBe(true);
      expect(d.after.some(byInput)).toBe(false);
    }
    expectWitnessesReproduce(CALICO, b, r);
  });

  it("conditions the engine reads from node facts (rpfilter, addrtype --limit-iface) keep the diff complete", () => {
    const b = dropLines(CALICO, "-m rpfilter --validmark --invert -j DROP");
    const r = diff(CALICO, b);
    expect(r.limitations).toEqual([]);
    expect(r.complete).toBe(true);
    expectWitnessesReproduce(CALICO, b, r);
  });
});
