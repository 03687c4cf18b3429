import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m mark --mark 0x4000/0x4000 -j ACCEPT", "-A U -m mark --mark 0x4000/0x4000 -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 16384/16384 -j ACCEPT", "-A U -m mark --mark 0x4000/0x4000 -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 1 -j ACCEPT", "-A U -m mark --mark 0x1 -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 0x1/0xffffffff -j ACCEPT", "-A U -m mark --mark 0x1 -j ACCEPT"],
  [4, "filter", "-A U -m mark ! --mark 0x8000/0x8000 -j ACCEPT", "-A U -m mark ! --mark 0x8000/0x8000 -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 0/0 -j ACCEPT", "-A U -m mark --mark 0x0/0x0 -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 0x10/0xf -j ACCEPT", "-A U -m mark --mark 0x10/0xf -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 010 -j ACCEPT", "-A U -m mark --mark 0x8 -j ACCEPT"],
  [4, "filter", "-A U -m mark --mark 0xFF/0XF0 -j ACCEPT", "-A U -m mark --mark 0xff/0xf0 -j ACCEPT"],
  [6, "filter", "-A U -m mark --mark 0x4000/0x4000 -j DROP", "-A U -m mark --mark 0x4000/0x4000 -j DROP"],
  [4, "filter", "-A U -m mark --mark 0 -j ACCEPT", "-A U -m mark --mark 0x0 -j ACCEPT"],
];

describe("mark canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("mark diagnostics", () => {
  test("values", () => {
    expect(diags(4, "filter", "-A U -m mark --mark 0x100000000 -j ACCEPT")).toEqual([
      "error bad-value 3:21+11 mark: bad value for option --mark: '0x100000000' (expected value[/mask], at most 0xffffffff)",
    ]);
    expect(diags(4, "filter", "-A U -m mark --mark 1/ -j ACCEPT")).toEqual([
      "error bad-value 3:21+2 mark: bad value for option --mark: '1/' (expected value[/mask], at most 0xffffffff)",
    ]);
    expect(diags(4, "filter", "-A U -m mark -j ACCEPT")).toEqual(["error missing-option 3:6+7 mark: option --mark must be specified"]);
  });
});

describe("mark evaluation", () => {
  const run = (line: string, mark: number) => evalMatch(4, "nat", line, packet({ mark }), env("nat", "POSTROUTING"));
  test("(mark & mask) == value", () => {
    expect(run("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN", 0x4000)).toBe(false);
    expect(run("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN", 0x1)).toBe(true);
    expect(run("-A U -m mark --mark 0x4000/0x4000", 0xc000)).toBe(true);
    expect(run("-A U -m mark --mark 0x1", 0x3)).toBe(false);
    expect(run("-A U -m mark --mark 0x10/0xf", 0x10)).toBe(false);
    expect(run("-A U -m mark --mark 0x80000000/0x80000000", 0x80000001)).toBe(true);
  });
});
