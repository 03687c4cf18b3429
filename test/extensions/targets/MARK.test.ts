import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A PREROUTING -j MARK --set-mark 0x1", "-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 1", "-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 0x1/0xff", "-A PREROUTING -j MARK --set-xmark 0x1/0xff"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 0x1/0xf0", "-A PREROUTING -j MARK --set-xmark 0x1/0xf1"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 0", "-A PREROUTING -j MARK --set-xmark 0x0/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 0/0", "-A PREROUTING -j MARK --set-xmark 0x0/0x0"],
  ["mangle", "-A PREROUTING -j MARK --set-xmark 0x1", "-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --set-xmark 0x1/0xff", "-A PREROUTING -j MARK --set-xmark 0x1/0xff"],
  ["mangle", "-A PREROUTING -j MARK --set-xmark 0x1/0", "-A PREROUTING -j MARK --set-xmark 0x1/0x0"],
  ["nat", "-A U -j MARK --or-mark 0x4000", "-A U -j MARK --set-xmark 0x4000/0x4000"],
  ["mangle", "-A PREROUTING -j MARK --and-mark 0xff", "-A PREROUTING -j MARK --set-xmark 0x0/0xffffff00"],
  ["mangle", "-A PREROUTING -j MARK --and-mark 0xffffffff", "-A PREROUTING -j MARK --set-xmark 0x0/0x0"],
  ["mangle", "-A PREROUTING -j MARK --and-mark 0", "-A PREROUTING -j MARK --set-xmark 0x0/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --xor-mark 0x10", "-A PREROUTING -j MARK --set-xmark 0x10/0x0"],
  ["mangle", "-A PREROUTING -j MARK --or-mark 0", "-A PREROUTING -j MARK --set-xmark 0x0/0x0"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 4294967295", "-A PREROUTING -j MARK --set-xmark 0xffffffff/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 010", "-A PREROUTING -j MARK --set-xmark 0x8/0xffffffff"],
  ["mangle", "-A PREROUTING -j MARK --set-mark 0X1F", "-A PREROUTING -j MARK --set-xmark 0x1f/0xffffffff"],
  ["filter", "-A INPUT -j MARK --set-mark 1", "-A INPUT -j MARK --set-xmark 0x1/0xffffffff"],
  ["raw", "-A PREROUTING -j MARK --set-mark 1", "-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff"],
];

describe("MARK canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("IPv6", () => expect(canon(6, "mangle", "-A OUTPUT -j MARK --or-mark 0x4000")).toBe("-A OUTPUT -j MARK --set-xmark 0x4000/0x4000"));
});

describe("MARK diagnostics", () => {
  test("an operation is required", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j MARK")).toEqual([
      "error missing-option 3:15+7 MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required",
    ]);
  });
  test("operations exclude each other", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j MARK --set-mark 0x1 --or-mark 2")).toEqual([
      'error conflicting-options 3:38+9 MARK: option "--set-mark" cannot be used together with "--or-mark"',
    ]);
  });
  test("repeated", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j MARK --set-mark 0x1 --set-mark 2")).toEqual([
      'error repeated-option 3:38+10 MARK: option "--set-mark" can only be used once',
    ]);
  });
  test("bad values", () => {
    const d = (o: string) => diags(4, "mangle", `-A PREROUTING -j MARK ${o}`);
    expect(d("--set-mark 4294967296")).toEqual(['error bad-mark 3:34+10 MARK: bad integer value for option "--set-mark", or out of range']);
    expect(d("--set-mark -1")[0]).toMatch(/bad integer value for option "--set-mark"/);
    expect(d("--set-mark 5/")[0]).toMatch(/bad integer value/);
    expect(d("--set-mark /5")[0]).toMatch(/bad integer value/);
    expect(d("--set-mark 0x1/0x1/0x1")[0]).toMatch(/trailing garbage after value for option "--set-mark"/);
    expect(d("--or-mark 0x1/0x2")).toEqual(['error bad-mark 3:33+7 MARK: bad value for option "--or-mark", or out of range (0-4294967295)']);
  });
});

describe("MARK evaluation", () => {
  const e = env("mangle", "PREROUTING");
  const mark = (line: string, m: number) => {
    const r = evalTarget(4, "mangle", line, packet({ mark: m }), e);
    expect(r.kind).toBe("continue");
    return r.kind === "continue" ? r.packet?.mark : undefined;
  };
  test("(mark & ~mask) ^ value", () => {
    expect(mark("-A PREROUTING -j MARK --or-mark 0x4000", 0x1)).toBe(0x4001);
    expect(mark("-A PREROUTING -j MARK --set-mark 0x2", 0xff01)).toBe(0x2);
    expect(mark("-A PREROUTING -j MARK --set-mark 0x2/0xff", 0xff01)).toBe(0xff02);
    expect(mark("-A PREROUTING -j MARK --and-mark 0xff", 0x1234)).toBe(0x34);
    expect(mark("-A PREROUTING -j MARK --xor-mark 0x3", 0x1)).toBe(0x2);
    expect(mark("-A PREROUTING -j MARK --set-xmark 0x8000/0xc000", 0xffffffff)).toBe(0xffffbfff);
  });
});
