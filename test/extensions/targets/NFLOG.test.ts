import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9; nft and legacy agree unless noted)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["filter", "-A INPUT -j NFLOG", "-A INPUT -j NFLOG"],
  ["filter", "-A INPUT -j NFLOG --nflog-group 0", "-A INPUT -j NFLOG"],
  ["filter", "-A INPUT -j NFLOG --nflog-group 5", "-A INPUT -j NFLOG --nflog-group 5"],
  ["filter", "-A INPUT -j NFLOG --nflog-group 65535", "-A INPUT -j NFLOG --nflog-group 65535"],
  ["filter", "-A INPUT -j NFLOG --nflog-group 0x10", "-A INPUT -j NFLOG --nflog-group 16"],
  ["filter", '-A INPUT -j NFLOG --nflog-prefix "foo bar"', '-A INPUT -j NFLOG --nflog-prefix "foo bar"'],
  ["filter", "-A INPUT -j NFLOG --nflog-prefix foo", "-A INPUT -j NFLOG --nflog-prefix foo"],
  ["filter", "-A INPUT -j NFLOG --nflog-prefix \"a'b\"", "-A INPUT -j NFLOG --nflog-prefix \"a\\'b\""],
  ["filter", "-A INPUT -j NFLOG --nflog-size 100", "-A INPUT -j NFLOG --nflog-size 100"],
  ["filter", "-A INPUT -j NFLOG --nflog-size 0", "-A INPUT -j NFLOG --nflog-size 0"],
  ["filter", "-A INPUT -j NFLOG --nflog-size 4294967295", "-A INPUT -j NFLOG --nflog-size 4294967295"],
  ["filter", "-A INPUT -j NFLOG --nflog-threshold 1", "-A INPUT -j NFLOG --nflog-threshold 1"],
  ["filter", "-A INPUT -j NFLOG --nflog-threshold 0", "-A INPUT -j NFLOG"],
  ["filter", "-A INPUT -j NFLOG --nflog-threshold 65535", "-A INPUT -j NFLOG --nflog-threshold 65535"],
  [
    "filter",
    "-A INPUT -j NFLOG --nflog-threshold 10 --nflog-size 5 --nflog-prefix x --nflog-group 3",
    "-A INPUT -j NFLOG --nflog-prefix x --nflog-group 3 --nflog-size 5 --nflog-threshold 10",
  ],
  // legacy iptables-save keeps --nflog-range (nf_tables drops it); range 0 is not printed by either.
  ["filter", "-A INPUT -j NFLOG --nflog-range 5 --nflog-group 2", "-A INPUT -j NFLOG --nflog-group 2 --nflog-range 5"],
  ["filter", "-A INPUT -j NFLOG --nflog-range 0", "-A INPUT -j NFLOG"],
  ["raw", "-A OUTPUT -j NFLOG --nflog-group 1", "-A OUTPUT -j NFLOG --nflog-group 1"],
];

describe("NFLOG canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("prefix longer than 63 bytes is kept up to 127 (nf_tables)", () => {
    const p = "a".repeat(140);
    expect(canon(4, "filter", `-A INPUT -j NFLOG --nflog-prefix ${p}`)).toBe(`-A INPUT -j NFLOG --nflog-prefix ${"a".repeat(127)}`);
  });
});

describe("NFLOG diagnostics", () => {
  test("ranges", () => {
    expect(diags(4, "filter", "-A INPUT -j NFLOG --nflog-group 65536")).toEqual([
      'error bad-value 3:33+5 NFLOG: bad value for option "--nflog-group", or out of range (0-65535)',
    ]);
    expect(diags(4, "filter", "-A INPUT -j NFLOG --nflog-size 4294967296")[0]).toMatch(/out of range \(0-4294967295\)/);
    expect(diags(4, "filter", "-A INPUT -j NFLOG --nflog-threshold 65536")[0]).toMatch(/out of range \(0-65535\)/);
  });
  test("obsolete --nflog-range, exclusive with --nflog-size", () => {
    expect(diags(4, "filter", "-A INPUT -j NFLOG --nflog-range 100")).toEqual([
      "warning obsolete-option 3:19+13 NFLOG: --nflog-range has never worked and is no longer supported, please use --nflog-size instead",
    ]);
    expect(diags(4, "filter", "-A INPUT -j NFLOG --nflog-range 100 --nflog-size 200")).toContain(
      'error conflicting-options 3:37+12 NFLOG: option "--nflog-range" cannot be used together with "--nflog-size"',
    );
  });
  test("prefix", () => {
    expect(diags(4, "filter", '-A INPUT -j NFLOG --nflog-prefix ""')[0]).toMatch(/must not be empty/);
    expect(diags(4, "filter", `-A INPUT -j NFLOG --nflog-prefix ${"a".repeat(64)}`)[0]).toMatch(/^warning nflog-prefix-truncated/);
  });
});

describe("NFLOG evaluation", () => {
  test("continues", () => {
    expect(evalTarget(4, "filter", "-A INPUT -j NFLOG --nflog-group 5", packet(), env("filter", "INPUT"))).toEqual({ kind: "continue" });
  });
});
