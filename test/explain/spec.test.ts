/** Reading packets and node options from flags and batch lines: defaults, and clear refusals. */
import { describe, expect, it } from "vitest";
import { formatAddr } from "../../src/net/addr.js";
import { assumeFunction, parseAssume, parseAssumeRecent, parseNodeOptions, parsePacketFields, parseTcpFlags } from "../../src/explain/index.js";
import { formatRoute, routeLookup } from "../../src/engine/index.js";
import { ip } from "../engine/helpers.js";

const ok = (o: Record<string, unknown>) => {
  const r = parsePacketFields(o);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const err = (o: Record<string, unknown>, family?: 4 | 6) => {
  const r = parsePacketFields(o, family);
  return r.ok ? "ok" : r.error;
};

describe("packet fields", () => {
  it("fills defaults: tcp, SYN, external, an ephemeral source port, ping for ICMP", () => {
    expect(ok({ src: "10.0.0.1", dst: "10.0.0.2", dport: "80" })).toMatchObject({ proto: 6, sport: 40000, dport: 80, from: "external" });
    expect(ok({ src: "10.0.0.1", dst: "10.0.0.2", proto: "icmp" })).toMatchObject({ proto: 1, icmpType: 8, icmpCode: 0 });
    expect(ok({ src: "fd00::1", dst: "fd00::2", proto: "icmpv6", icmpType: "echo-reply" })).toMatchObject({ proto: 58, icmpType: 129 });
    expect(ok({ src: "10.0.0.1", dst: "10.0.0.2", proto: "132", dport: 3868, sport: 1 })).toMatchObject({ proto: 132, sport: 1 });
    expect(ok({ src: "10.0.0.1", dst: "10.0.0.2", dport: 80, mark: "0x4000", ctstate: "established", tcpFlags: "ACK,PSH" })).toMatchObject({
      mark: 0x4000,
      ctState: "ESTABLISHED",
      tcpFlags: 24,
    });
  });

  it("refuses what a packet cannot be", () => {
    expect(err({ src: "10.0.0.1", dst: "fd00::1", dport: 1 })).toMatch(/different address families/);
    expect(err({ src: "10.0.0.1", dst: "10.0.0.2", proto: "icmp", dport: 1 })).toMatch(/has no ports/);
    expect(err({ src: "10.0.0.1", dst: "10.0.0.2", dport: 70000 })).toMatch(/dport must be a port number 0-65535/);
    expect(err({ src: "10.0.0.1", dst: "10.0.0.2", dport: 1, from: "host", inIface: "eth0" })).toMatch(/inIface does not apply/);
    expect(err({ src: "10.0.0.1", dst: "10.0.0.2", dport: 1, colour: "blue" })).toMatch(/unknown packet field 'colour'/);
    expect(err({ src: "10.0.0.1", dst: "10.0.0.2", dport: 1 }, 6)).toMatch(/the packet is IPv4 but the dump is IPv6/);
    expect(err({ src: "10.0.0.1", dst: "10.0.0.2", proto: "icmpv6" })).toMatch(/icmpv6 is IPv6's/);
  });

  it("reads TCP flags by name or number", () => {
    expect(parseTcpFlags("SYN,ACK")).toBe(18);
    expect(parseTcpFlags("18")).toBe(18);
    expect(parseTcpFlags("SYNACK")).toMatch(/unknown TCP flag/);
  });
});

describe("node options", () => {
  it("reads --node-ip IP[=IFACE] and --route CIDR=IFACE, keeping the default routes", () => {
    const r = parseNodeOptions({ nodeIp: ["192.0.2.10=eth0", "10.244.1.1"], route: ["10.244.1.0/24=cni0"] });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.localAddresses.map((a) => `${formatAddr(a.addr)}=${a.iface ?? ""}`)).toEqual(["192.0.2.10=eth0", "10.244.1.1="]);
    expect(r.value.routes.map(formatRoute)).toEqual(["10.244.1.0/24=cni0", "0.0.0.0/0=eth0", "::/0=eth0"]);
    expect(routeLookup(r.value, ip("10.244.1.9"))).toBe("cni0");
    expect(parseNodeOptions({ route: ["10.0.0.0/8"] })).toMatchObject({ ok: false, error: expect.stringMatching(/CIDR=IFACE/) });
  });

  it("reads --assume-recent and --assume into one answer function (exact keys before prefixes)", () => {
    const rules = [parseAssumeRecent("miss"), parseAssumeRecent("KUBE-SEP-X=hit"), parseAssume("opaque:-m foo=true")].map((r) => {
      if (!r.ok) throw new Error(r.error);
      return r.value;
    });
    const f = assumeFunction(rules)!;
    expect([f("recent:KUBE-SEP-X"), f("recent:KUBE-SEP-Y"), f("opaque:-m foo"), f("other")]).toEqual([true, false, true, undefined]);
    expect(parseAssumeRecent("maybe")).toMatchObject({ ok: false });
  });
});
