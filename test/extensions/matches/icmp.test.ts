import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -p icmp --icmp-type echo-request -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 8 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type 8/0 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 8/0 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type any -j ACCEPT", "-A U -p icmp -m icmp --icmp-type any -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type 3 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 3 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type port-unreachable -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 3/3 -j ACCEPT"],
  [4, "filter", "-A U -p icmp ! --icmp-type 3/3 -j ACCEPT", "-A U -p icmp -m icmp ! --icmp-type 3/3 -j ACCEPT"],
  [4, "filter", "-A U -p icmp -m icmp --icmp-type 255 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type any -j ACCEPT"],
  [4, "filter", "-A U -p icmp -m icmp --icmp-type 0 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 0 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type 255/0 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type any -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type ECHO-REQUEST -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 8 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type 0x8 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 8 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type ttl-zero-during-transit -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 11/0 -j ACCEPT"],
  [4, "filter", "-A U -p icmp --icmp-type host-redirect -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 5/1 -j ACCEPT"],
  [4, "filter", "-A U -p icmp -m icmp ! --icmp-type any -j ACCEPT", "-A U -p icmp -m icmp ! --icmp-type any -j ACCEPT"],
  [4, "filter", "-A U -p 1 --icmp-type 8 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 8 -j ACCEPT"],
  [4, "filter", "-A U -p icmp -m icmp --icmp-type 8 -m icmp --icmp-type 0 -j ACCEPT", "-A U -p icmp -m icmp --icmp-type 8 -m icmp --icmp-type 0 -j ACCEPT"],
];

describe("icmp canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("icmp diagnostics", () => {
  test("bad types and codes", () => {
    expect(diags(4, "filter", "-A U -p icmp --icmp-type echo -j ACCEPT")).toEqual([
      "error bad-value 3:26+4 icmp: ambiguous ICMP type 'echo': 'echo-reply' or 'echo-request'?",
    ]);
    expect(diags(4, "filter", "-A U -p icmp --icmp-type 3/256 -j ACCEPT")).toEqual(["error bad-value 3:26+5 icmp: unknown ICMP code '3/256'"]);
    expect(diags(4, "filter", "-A U -p icmp --icmp-type 256 -j ACCEPT")).toEqual(["error bad-value 3:26+3 icmp: unknown ICMP type '256'"]);
    expect(diags(4, "filter", "-A U -p icmp --icmp-type 08 -j ACCEPT")).toEqual(["error bad-value 3:26+2 icmp: unknown ICMP type '08'"]);
    expect(diags(4, "filter", "-A U -p icmp --icmp-type 8/ -j ACCEPT")).toEqual(["error bad-value 3:26+2 icmp: unknown ICMP code '8/'"]);
  });
  test("needs -p icmp and --icmp-type", () => {
    expect(diags(4, "filter", "-A U -p tcp -m icmp --icmp-type 8 -j ACCEPT")).toEqual([
      "error match-needs-protocol 3:13+7 -m icmp needs -p icmp in the same rule (the kernel refuses it otherwise)",
    ]);
    expect(diags(4, "filter", "-A U -p icmp -m icmp -j ACCEPT")).toEqual(["error missing-option 3:14+7 icmp: option --icmp-type must be specified"]);
    expect(diags(4, "filter", "-A U -p icmp --icmp-type 8 --icmp-type 0 -j ACCEPT")).toEqual([
      "error repeated-option 3:28+11 icmp: option --icmp-type given more than once",
    ]);
  });
});

describe("icmp evaluation", () => {
  const icmp = (type: number, code = 0) => packet({ proto: 1, sport: undefined, dport: undefined, tcpFlags: 0, icmpType: type, icmpCode: code });
  const run = (line: string, p = icmp(8)) => evalMatch(4, "filter", line, p);
  test("type, code range and any", () => {
    expect(run("-A U -p icmp --icmp-type echo-request", icmp(8, 0))).toBe(true);
    expect(run("-A U -p icmp --icmp-type echo-request", icmp(0))).toBe(false);
    expect(run("-A U -p icmp --icmp-type port-unreachable", icmp(3, 3))).toBe(true);
    expect(run("-A U -p icmp --icmp-type port-unreachable", icmp(3, 1))).toBe(false);
    expect(run("-A U -p icmp --icmp-type destination-unreachable", icmp(3, 13))).toBe(true);
    expect(run("-A U -p icmp --icmp-type any", icmp(42))).toBe(true);
    expect(run("-A U -p icmp --icmp-type 255/0", icmp(42, 7))).toBe(true);
    expect(run("-A U -p icmp ! --icmp-type 8", icmp(0))).toBe(true);
    expect(run("-A U -p icmp ! --icmp-type 8", icmp(8))).toBe(false);
  });
  test("fragments and other protocols never match, even negated", () => {
    expect(run("-A U -p icmp ! --icmp-type 8", { ...icmp(0), fragment: true })).toBe(false);
    expect(run("-A U -p icmp ! --icmp-type 8", packet())).toBe(false);
  });
});
