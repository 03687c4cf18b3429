import { describe, expect, test } from "vitest";
import { canon, col, diags, env, evalMatch, ip, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m addrtype --src-type LOCAL,UNICAST -j ACCEPT", "-A U -m addrtype --src-type UNICAST,LOCAL -j ACCEPT"],
  [4, "filter", "-A U -m addrtype ! --dst-type LOCAL -j ACCEPT", "-A U -m addrtype ! --dst-type LOCAL -j ACCEPT"],
  [4, "filter", "-A U -m addrtype --dst-type XRESOLVE,NAT,THROW,PROHIBIT,UNREACHABLE,BLACKHOLE,MULTICAST,ANYCAST,BROADCAST,LOCAL,UNICAST,UNSPEC -j ACCEPT", "-A U -m addrtype --dst-type UNSPEC,UNICAST,LOCAL,BROADCAST,ANYCAST,MULTICAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE -j ACCEPT"],
  [4, "filter", "-A U -m addrtype --dst-type LOCAL --src-type LOCAL -j ACCEPT", "-A U -m addrtype --src-type LOCAL --dst-type LOCAL -j ACCEPT"],
  [4, "filter", "-A U -m addrtype ! --src-type LOCAL ! --dst-type BROADCAST -j ACCEPT", "-A U -m addrtype ! --src-type LOCAL ! --dst-type BROADCAST -j ACCEPT"],
  [4, "filter", "-A U -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT", "-A U -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT"],
  [4, "filter", "-A U -m addrtype --dst-type LOC -j ACCEPT", "-A U -m addrtype --dst-type LOCAL -j ACCEPT"],
  [6, "filter", "-A U -m addrtype --dst-type UNREACHABLE -j DROP", "-A U -m addrtype --dst-type UNREACHABLE -j DROP"],
  [4, "mangle", "-A PREROUTING -m addrtype --src-type LOCAL --limit-iface-in -j ACCEPT", "-A PREROUTING -m addrtype --src-type LOCAL --limit-iface-in -j ACCEPT"],
];

describe("addrtype canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("addrtype diagnostics", () => {
  test("types", () => {
    expect(diags(4, "filter", "-A U -m addrtype --dst-type FOO -j ACCEPT")).toEqual([`error bad-value 3:29+3 addrtype: bad type "FOO"`]);
    expect(diags(4, "filter", "-A U -m addrtype --dst-type LOCAL, -j ACCEPT")).toEqual([`error bad-value 3:29+6 addrtype: bad type ""`]);
    expect(diags(4, "filter", "-A U -m addrtype --limit-iface-in -j ACCEPT")).toEqual([
      "error missing-option 3:6+11 addrtype: you must specify --src-type or --dst-type",
    ]);
    expect(diags(6, "filter", "-A U -m addrtype --dst-type BROADCAST -j DROP")).toEqual([
      "error bad-value 3:29+9 addrtype: IPv6 does not support BROADCAST matching (the kernel refuses it)",
    ]);
  });
  test("interface limits", () => {
    const line = "-A U -m addrtype --dst-type LOCAL --limit-iface-in --limit-iface-out -j ACCEPT";
    expect(diags(4, "filter", line)).toEqual([
      `error conflicting-options 3:${col(line, "--limit-iface-out")}+17 addrtype: --limit-iface-in cannot be used together with --limit-iface-out`,
    ]);
    expect(diags(4, "filter", "-A U -m addrtype ! --limit-iface-in --dst-type LOCAL -j ACCEPT")).toEqual([
      "error bad-negation 3:18+1 addrtype: --limit-iface-in cannot be negated with !",
    ]);
    expect(diags(4, "filter", "-A INPUT -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT")).toEqual([
      "error bad-hook 3:39+17 addrtype: --limit-iface-out is not valid in INPUT (the kernel refuses it)",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT")).toEqual([
      "error bad-hook 3:40+16 addrtype: --limit-iface-in is not valid in OUTPUT (the kernel refuses it)",
    ]);
    expect(diags(4, "filter", "-A FORWARD -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT")).toEqual([]);
  });
});

describe("addrtype evaluation", () => {
  const e = env("nat", "PREROUTING", { "10.0.0.2": ["LOCAL"], "10.0.0.9%eth1": ["LOCAL"], "10.0.0.9": ["UNICAST"], "10.0.0.255": ["BROADCAST"] });
  const run = (line: string, p = packet()) => evalMatch(4, "nat", line, p, e);
  test("kube-proxy's --dst-type LOCAL", () => {
    expect(run("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")).toBe(true);
    expect(run("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS", packet({ dst: ip("10.0.0.7") }))).toBe(false);
    expect(run("-A U -m addrtype ! --dst-type LOCAL")).toBe(false);
    expect(run("-A U -m addrtype --src-type LOCAL,UNICAST --dst-type BROADCAST", packet({ dst: ip("10.0.0.255") }))).toBe(true);
    expect(run("-A U -m addrtype ! --src-type UNICAST --dst-type LOCAL")).toBe(false);
  });
  test("--limit-iface-in looks the address up on the input interface", () => {
    expect(run("-A PREROUTING -m addrtype --dst-type LOCAL --limit-iface-in", packet({ dst: ip("10.0.0.9"), inIface: "eth1" }))).toBe(true);
    expect(run("-A PREROUTING -m addrtype --dst-type LOCAL", packet({ dst: ip("10.0.0.9"), inIface: "eth1" }))).toBe(false);
  });
});
