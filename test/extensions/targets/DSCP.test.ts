import { describe, expect, test } from "vitest";
import { canon, diags } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A PREROUTING -j DSCP --set-dscp 10", "-A PREROUTING -j DSCP --set-dscp 0x0a"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp 0x0a", "-A PREROUTING -j DSCP --set-dscp 0x0a"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp 0", "-A PREROUTING -j DSCP --set-dscp 0x00"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp-class AF11", "-A PREROUTING -j DSCP --set-dscp 0x0a"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp-class ef", "-A PREROUTING -j DSCP --set-dscp 0x2e"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp-class CS7", "-A PREROUTING -j DSCP --set-dscp 0x38"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp-class AF43", "-A PREROUTING -j DSCP --set-dscp 0x26"],
  ["mangle", "-A PREROUTING -j DSCP --set-dscp-class be", "-A PREROUTING -j DSCP --set-dscp 0x00"],
];
const CANON6: readonly Case[] = [["mangle", "-A PREROUTING -j DSCP --set-dscp-class cs1", "-A PREROUTING -j DSCP --set-dscp 0x08"]];

describe("DSCP", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j DSCP --set-dscp 64")).toEqual(['error bad-value 3:34+2 DSCP: bad value for option "--set-dscp", or out of range (0-63)']);
    expect(diags(4, "mangle", "-A PREROUTING -j DSCP --set-dscp-class foo")[0]).toMatch(/Invalid DSCP value `foo'/);
    expect(diags(4, "mangle", "-A PREROUTING -j DSCP")[0]).toMatch(/Parameter --set-dscp is required/);
    expect(diags(4, "mangle", "-A PREROUTING -j DSCP --set-dscp 1 --set-dscp-class af11")[0]).toMatch(/cannot be used together/);
  });
});
