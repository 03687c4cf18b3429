import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, ip, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["nat", "-A POSTROUTING -j MASQUERADE", "-A POSTROUTING -j MASQUERADE"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-1000", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports http", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 80"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-port 5", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 010", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 8"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1-0x20", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1-32"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5-6/7", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5-6/0"],
  ["nat", "-A POSTROUTING -p icmp -j MASQUERADE --to-ports 1000", "-A POSTROUTING -p icmp -j MASQUERADE --to-ports 1000"],
  ["nat", "-A POSTROUTING ! -p tcp -j MASQUERADE --to-ports 1000", "-A POSTROUTING ! -p tcp -j MASQUERADE --to-ports 1000"],
  ["nat", "-A POSTROUTING -j MASQUERADE --random-fully --random", "-A POSTROUTING -j MASQUERADE --random --random-fully"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --random --to-ports 5", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5 --random"],
  ["nat", "-A U -j MASQUERADE", "-A U -j MASQUERADE"],
];
const CANON6: readonly Case[] = [
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random"],
  ["nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5-6/7", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5-6/0"],
];

describe("MASQUERADE canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
});

describe("MASQUERADE diagnostics", () => {
  test("--to-ports needs a port protocol", () => {
    expect(diags(4, "nat", "-A POSTROUTING -j MASQUERADE --to-ports 1000")).toEqual([
      'error nat-port-needs-protocol 3:41+4 MASQUERADE: a port needs -p tcp, udp, sctp or dccp in the rule (iptables: "Need TCP, UDP, SCTP or DCCP with port specification")',
    ]);
    expect(diags(6, "nat", "-A POSTROUTING -p ipv6-icmp -j MASQUERADE --to-ports 5")[0]).toMatch(/nat-port-needs-protocol/);
  });
  test("bad ports", () => {
    const d = (v: string) => diags(4, "nat", `-A POSTROUTING -p tcp -j MASQUERADE --to-ports ${v}`);
    expect(d("1000:2000")).toEqual(["error bad-port 3:48+9 MASQUERADE: Invalid port:port syntax - use dash"]);
    expect(d("2000-1000")[0]).toMatch(/Port range `1000' funky/);
    expect(d("70000")[0]).toMatch(/Port `70000' not valid/);
    expect(d("http-1000")[0]).toMatch(/Port `http-1000' not valid/);
    expect(d("5/7")[0]).toMatch(/Garbage after port value: `\/7'/);
  });
  test("no --persistent; --to-ports once", () => {
    expect(diags(4, "nat", "-A POSTROUTING -j MASQUERADE --persistent")[0]).toMatch(/unknown-option/);
    expect(diags(4, "nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 5 --to-ports 6")[0]).toMatch(/repeated-option/);
  });
  test("placement", () => {
    expect(diags(4, "nat", "-A OUTPUT -j MASQUERADE")).toEqual([
      "error invalid-target-placement 3:11+13 MASQUERADE is only valid from POSTROUTING; the kernel refuses the rule set",
    ]);
    expect(diags(4, "nat", "-A PREROUTING -j U", "-A U -j MASQUERADE")[0]).toMatch(/reached from PREROUTING/);
    expect(diags(4, "filter", "-A OUTPUT -j MASQUERADE")[0]).toMatch(/only valid in the nat table, not filter/);
  });
});

describe("MASQUERADE evaluation", () => {
  const e = env("nat", "POSTROUTING", { eth0: "192.0.2.7", "eth0/6": "2001:db8::7" });
  test("source becomes the output interface's address", () => {
    const r = evalTarget(4, "nat", "-A POSTROUTING -j MASQUERADE", packet({ outIface: "eth0" }), e);
    expect(r.kind).toBe("nat");
    if (r.kind !== "nat") return;
    expect(r.nat).toBe("MASQUERADE");
    expect(r.packet.src).toEqual(ip("192.0.2.7"));
    expect(r.packet.sport).toBe(40000);
    expect(r.packet.ctSnat).toBe(true);
    expect(r.detail).toBe("to the address of eth0");
  });
  test("IPv6 and --to-ports", () => {
    const r = evalTarget(6, "nat", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000", packet({ family: 6, outIface: "eth0" }), e);
    expect(r.kind === "nat" && r.packet.src).toEqual(ip("2001:db8::7"));
    expect(r.kind === "nat" && r.packet.sport).toBe(1000);
    expect(r.kind === "nat" && r.detail).toBe("to the address of eth0 ports 1000-2000");
  });
  test("unknown interface address leaves the source", () => {
    const r = evalTarget(4, "nat", "-A POSTROUTING -j MASQUERADE", packet({ outIface: "wg0" }), e);
    expect(r.kind === "nat" && r.packet.src).toEqual(ip("10.0.0.1"));
    expect(r.kind === "nat" && r.detail).toBe("to the address of wg0 (unknown)");
  });
});
