import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [6, "filter", "-A U -p icmpv6 --icmpv6-type echo-request -j ACCEPT", "-A U -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT"],
  [6, "filter", "-A U -p ipv6-icmp --icmpv6-type neighbor-solicitation -j ACCEPT", "-A U -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT"],
  [6, "filter", "-A U -p icmpv6 -m icmp6 --icmpv6-type 1/3 -j ACCEPT", "-A U -p ipv6-icmp -m icmp6 --icmpv6-type 1/3 -j ACCEPT"],
  [6, "filter", "-A U -p icmpv6 -m icmpv6 ! --icmpv6-type port-unreachable -j ACCEPT", "-A U -p ipv6-icmp -m icmp6 ! --icmpv6-type 1/4 -j ACCEPT"],
  [6, "filter", "-A U -p icmpv6 --icmpv6-type 255 -j ACCEPT", "-A U -p ipv6-icmp -m icmp6 --icmpv6-type 255 -j ACCEPT"],
  [6, "filter", "-A U -p 58 --icmpv6-type 2 -j ACCEPT", "-A U -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT"],
];

describe("icmp6 canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("icmp6 diagnostics", () => {
  test("no 'any', ambiguous prefixes, wrong family option", () => {
    expect(diags(6, "filter", "-A U -p icmpv6 --icmpv6-type any -j ACCEPT")).toEqual(["error bad-value 3:30+3 icmp6: unknown ICMPv6 type 'any'"]);
    expect(diags(6, "filter", "-A U -p icmpv6 -m icmp6 --icmpv6-type neighbour -j ACCEPT")).toEqual([
      "error bad-value 3:39+9 icmp6: ambiguous ICMPv6 type 'neighbour': 'neighbour-solicitation' or 'neighbour-advertisement'?",
    ]);
    expect(diags(6, "filter", "-A U -p tcp -m icmp6 --icmpv6-type 1 -j ACCEPT")[0]).toBe(
      "error match-needs-protocol 3:13+8 -m icmp6 needs -p ipv6-icmp in the same rule (the kernel refuses it otherwise)",
    );
  });
});

describe("icmp6 evaluation", () => {
  const icmp6 = (type: number, code = 0) =>
    packet({ family: 6, proto: 58, sport: undefined, dport: undefined, tcpFlags: 0, icmpType: type, icmpCode: code });
  const run = (line: string, p: ReturnType<typeof packet>) => evalMatch(6, "filter", line, p);
  test("types and codes; 255 is an ordinary type", () => {
    expect(run("-A U -p icmpv6 --icmpv6-type echo-request", icmp6(128))).toBe(true);
    expect(run("-A U -p icmpv6 --icmpv6-type neighbor-solicitation", icmp6(136))).toBe(false);
    expect(run("-A U -p icmpv6 --icmpv6-type port-unreachable", icmp6(1, 4))).toBe(true);
    expect(run("-A U -p icmpv6 --icmpv6-type port-unreachable", icmp6(1, 3))).toBe(false);
    expect(run("-A U -p icmpv6 --icmpv6-type 255", icmp6(128))).toBe(false);
    expect(run("-A U -p icmpv6 ! --icmpv6-type 1/4", icmp6(1, 3))).toBe(true);
  });
});
