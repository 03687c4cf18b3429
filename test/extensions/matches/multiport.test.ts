import { describe, expect, test } from "vitest";
import { canon, col, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -p tcp -m multiport --destination-ports 80,443 -j ACCEPT", "-A U -p tcp -m multiport --dports 80,443 -j ACCEPT"],
  [4, "filter", "-A U -p tcp -m multiport --sports 1000:2000,22 -j ACCEPT", "-A U -p tcp -m multiport --sports 1000:2000,22 -j ACCEPT"],
  [4, "filter", "-A U -p tcp -m multiport --ports 22,http -j ACCEPT", "-A U -p tcp -m multiport --ports 22,80 -j ACCEPT"],
  [4, "filter", "-A U -p tcp -m multiport ! --dports 443,80,80 -j ACCEPT", "-A U -p tcp -m multiport ! --dports 443,80,80 -j ACCEPT"],
  [4, "filter", "-A U -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15 -j ACCEPT", "-A U -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15 -j ACCEPT"],
  [4, "filter", "-A U -p tcp -m multiport --dports 0:65535 -j ACCEPT", "-A U -p tcp -m multiport --dports 0:65535 -j ACCEPT"],
  [4, "filter", "-A U -p udplite -m multiport --dports 53 -j ACCEPT", "-A U -p udplite -m multiport --dports 53 -j ACCEPT"],
  [6, "filter", "-A U -p tcp -m multiport --dports 80,443 -j DROP", "-A U -p tcp -m multiport --dports 80,443 -j DROP"],
];

describe("multiport canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("multiport diagnostics", () => {
  test("too many ports", () => {
    const line = "-A U -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16 -j ACCEPT";
    expect(diags(4, "filter", line)).toEqual([`error too-many-ports 3:${col(line, "1:2")}+38 multiport: too many ports (max 15, a range counts as two)`]);
  });
  test("bad ports and ranges", () => {
    expect(diags(4, "filter", "-A U -p tcp -m multiport --dports 80:80 -j ACCEPT")).toEqual([
      "error bad-port 3:35+5 multiport: invalid portrange '80:80' specified (the first port must be below the second)",
    ]);
    expect(diags(4, "filter", "-A U -p tcp -m multiport --dports 80,,90 -j ACCEPT")).toEqual(["error bad-port 3:35+6 multiport: invalid port/service '' specified"]);
    expect(diags(4, "filter", "-A U -p tcp -m multiport --dports 70000 -j ACCEPT")).toEqual([
      "error bad-port 3:35+5 multiport: invalid port/service '70000' specified",
    ]);
  });
  test("protocol and options", () => {
    expect(diags(4, "filter", "-A U -m multiport --dports 80 -j ACCEPT")).toEqual([
      "error match-needs-protocol 3:6+12 multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'",
    ]);
    expect(diags(4, "filter", "-A U ! -p tcp -m multiport --dports 53 -j ACCEPT")).toEqual([
      "error match-needs-protocol 3:15+12 multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP",
    ]);
    expect(diags(4, "filter", "-A U -p tcp -m multiport --dports 80 --sports 90 -j ACCEPT")).toEqual([
      "error conflicting-options 3:38+8 multiport: --sports cannot be used together with --dports",
    ]);
    expect(diags(4, "filter", "-A U -p tcp -m multiport -j ACCEPT")).toEqual([
      "error missing-option 3:13+12 multiport: one of --sports, --dports or --ports is required",
    ]);
  });
});

describe("multiport evaluation", () => {
  const run = (line: string, p: Partial<Parameters<typeof packet>[0]>) => evalMatch(4, "filter", line, packet(p));
  test("lists, ranges, --ports, negation", () => {
    expect(run("-A U -p tcp -m multiport --dports 80,443", { dport: 443 })).toBe(true);
    expect(run("-A U -p tcp -m multiport --dports 80,443", { dport: 8080 })).toBe(false);
    expect(run("-A U -p tcp -m multiport --dports 1000:2000,22", { dport: 1500 })).toBe(true);
    expect(run("-A U -p tcp -m multiport --sports 1000:2000,22", { dport: 1500 })).toBe(false);
    expect(run("-A U -p tcp -m multiport --ports 22", { sport: 22, dport: 9 })).toBe(true);
    expect(run("-A U -p tcp -m multiport ! --dports 80,443", { dport: 22 })).toBe(true);
    expect(run("-A U -p tcp -m multiport ! --dports 80,443", { dport: 22, fragment: true })).toBe(false);
  });
});
