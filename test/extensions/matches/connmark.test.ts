import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m connmark --mark 0x1/0x1 -j ACCEPT", "-A U -m connmark --mark 0x1/0x1 -j ACCEPT"],
  [4, "filter", "-A U -m connmark ! --mark 5 -j ACCEPT", "-A U -m connmark ! --mark 0x5 -j ACCEPT"],
];

describe("connmark canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("connmark evaluation", () => {
  const run = (line: string, p: Partial<Parameters<typeof packet>[0]>) => evalMatch(4, "mangle", line, packet(p), env("mangle", "PREROUTING"));
  test("(ctmark & mask) == value; no conntrack entry never matches", () => {
    expect(run("-A U -m connmark --mark 0x1/0x1", { connmark: 0x3, ctState: "ESTABLISHED" })).toBe(true);
    expect(run("-A U -m connmark ! --mark 0x1/0x1", { connmark: 0x3, ctState: "ESTABLISHED" })).toBe(false);
    expect(run("-A U -m connmark ! --mark 0x1/0x1", { connmark: 0, ctState: "UNTRACKED" })).toBe(false);
  });
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m connmark --mark x -j ACCEPT")).toEqual([
      "error bad-value 3:25+1 connmark: bad value for option --mark: 'x' (expected value[/mask], at most 0xffffffff)",
    ]);
  });
});
