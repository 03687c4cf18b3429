import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["filter", "-A INPUT -j REJECT", "-A INPUT -j REJECT --reject-with icmp-port-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with net-unreach", "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with icmp-net-unreachable", "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with host-unreach", "-A INPUT -j REJECT --reject-with icmp-host-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with proto-unreach", "-A INPUT -j REJECT --reject-with icmp-proto-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with port-unreach", "-A INPUT -j REJECT --reject-with icmp-port-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with net-prohib", "-A INPUT -j REJECT --reject-with icmp-net-prohibited"],
  ["filter", "-A INPUT -j REJECT --reject-with host-prohib", "-A INPUT -j REJECT --reject-with icmp-host-prohibited"],
  ["filter", "-A INPUT -j REJECT --reject-with admin-prohib", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited"],
  ["filter", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited"],
  ["filter", "-A INPUT -p tcp -j REJECT --reject-with tcp-rst", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  ["filter", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  ["filter", "-A INPUT -p tcp -j REJECT --reject-with tcp", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  ["filter", "-A INPUT -j REJECT --reject-with ICMP-HOST-PROHIBITED", "-A INPUT -j REJECT --reject-with icmp-host-prohibited"],
  ["filter", "-A INPUT -j REJECT --reject-with icmp-host", "-A INPUT -j REJECT --reject-with icmp-host-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with icmp", "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with host", "-A INPUT -j REJECT --reject-with icmp-host-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with p", "-A INPUT -j REJECT --reject-with icmp-proto-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with a", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited"],
  ["filter", '-A INPUT -j REJECT --reject-with ""', "-A INPUT -j REJECT --reject-with icmp-net-unreachable"],
  ["filter", "-A FORWARD -j REJECT", "-A FORWARD -j REJECT --reject-with icmp-port-unreachable"],
  ["filter", "-A U -j REJECT", "-A U -j REJECT --reject-with icmp-port-unreachable"],
];

const CANON6: readonly Case[] = [
  ["filter", "-A INPUT -j REJECT", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with no-route", "-A INPUT -j REJECT --reject-with icmp6-no-route"],
  ["filter", "-A INPUT -j REJECT --reject-with adm-prohibited", "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited"],
  ["filter", "-A INPUT -j REJECT --reject-with addr-unreach", "-A INPUT -j REJECT --reject-with icmp6-addr-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with port-unreach", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with policy-fail", "-A INPUT -j REJECT --reject-with icmp6-policy-fail"],
  ["filter", "-A INPUT -j REJECT --reject-with reject-route", "-A INPUT -j REJECT --reject-with icmp6-reject-route"],
  ["filter", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  ["filter", "-A INPUT -p tcp -j REJECT --reject-with t", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
  ["filter", "-A INPUT -j REJECT --reject-with icmp6", "-A INPUT -j REJECT --reject-with icmp6-no-route"],
  ["filter", "-A INPUT -j REJECT --reject-with a", "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited"],
  ["filter", "-A INPUT -j REJECT --reject-with p", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable"],
  ["filter", "-A INPUT -j REJECT --reject-with ICMP6-PORT", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable"],
];

describe("REJECT canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
});

describe("REJECT diagnostics", () => {
  test("unknown types", () => {
    expect(diags(4, "filter", "-A INPUT -j REJECT --reject-with foo")).toEqual([
      'error bad-reject-type 3:34+3 REJECT: unknown reject type "foo"',
    ]);
    expect(diags(4, "filter", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable")).toEqual([
      'error bad-reject-type 3:34+22 REJECT: unknown reject type "icmp6-port-unreachable" (icmp6-port-unreachable is an IPv6 type)',
    ]);
    expect(diags(6, "filter", "-A INPUT -j REJECT --reject-with icmp-port-unreachable")[0]).toMatch(/unknown reject type "icmp-port-unreachable"/);
    expect(diags(6, "filter", "-A INPUT -p tcp -j REJECT --reject-with tcp-rst")[0]).toMatch(/unknown reject type "tcp-rst"/);
    expect(diags(4, "filter", "-A INPUT -j REJECT --reject-with icmp-host-prohibitedX")[0]).toMatch(/unknown reject type/);
  });
  test("echo-reply is no longer supported", () => {
    expect(diags(4, "filter", "-A INPUT -j REJECT --reject-with e")).toEqual([
      'error bad-reject-type 3:34+1 REJECT: --reject-with echo-reply no longer supported (unknown reject type "e")',
    ]);
  });
  test("tcp-reset needs -p tcp", () => {
    const want = "error reject-needs-tcp 3:34+9 REJECT: --reject-with tcp-reset needs -p tcp in the rule (the kernel refuses it: TCP_RESET invalid for non-tcp)";
    expect(diags(4, "filter", "-A INPUT -j REJECT --reject-with tcp-reset")).toEqual([want]);
    expect(diags(4, "filter", "-A INPUT -p udp -j REJECT --reject-with tcp-reset")[0]).toMatch(/reject-needs-tcp/);
    expect(diags(4, "filter", "-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset")[0]).toMatch(/reject-needs-tcp/);
    expect(diags(6, "filter", "-A INPUT -j REJECT --reject-with tcp-reset")[0]).toMatch(/reject-needs-tcp/);
  });
  test("--reject-with once", () => {
    expect(diags(4, "filter", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset --reject-with icmp-port-unreachable")[0]).toMatch(/repeated-option/);
  });
  test("placement: filter only (this kernel), INPUT/FORWARD/OUTPUT", () => {
    for (const t of ["raw", "mangle", "nat", "security"]) {
      const chain = t === "raw" ? "PREROUTING" : "OUTPUT";
      expect(diags(4, t, `-A ${chain} -j REJECT`)).toEqual([
        `error invalid-target-placement 3:${chain.length + 5}+9 REJECT is only valid in the filter table, not ${t} (the kernel refuses the rule)`,
      ]);
    }
    expect(diags(4, "filter", "-A INPUT -j U", "-A U -j REJECT")).toEqual([]);
  });
});

describe("REJECT evaluation", () => {
  test("rejects with the type", () => {
    const e = env("filter", "INPUT");
    expect(evalTarget(4, "filter", "-A INPUT -j REJECT", packet(), e)).toEqual({ kind: "reject", with: "icmp-port-unreachable" });
    expect(evalTarget(4, "filter", "-A INPUT -p tcp -j REJECT --reject-with tcp-rst", packet(), e)).toEqual({ kind: "reject", with: "tcp-reset" });
    expect(evalTarget(6, "filter", "-A INPUT -j REJECT --reject-with adm-prohibited", packet({ family: 6 }), e)).toEqual({
      kind: "reject",
      with: "icmp6-adm-prohibited",
    });
  });
});
