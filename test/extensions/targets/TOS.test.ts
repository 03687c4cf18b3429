import { describe, expect, test } from "vitest";
import { canon, diags } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A PREROUTING -j TOS --set-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x10/0xff"],
  ["mangle", "-A PREROUTING -j TOS --set-tos 0x10/0x3f", "-A PREROUTING -j TOS --set-tos 0x10/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --set-tos Minimize-Delay", "-A PREROUTING -j TOS --set-tos 0x10/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --set-tos Maximize-Throughput", "-A PREROUTING -j TOS --set-tos 0x08/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --set-tos maximize-throughput", "-A PREROUTING -j TOS --set-tos 0x08/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --set-tos Maximize-Reliability", "-A PREROUTING -j TOS --set-tos 0x04/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --set-tos Minimize-Cost", "-A PREROUTING -j TOS --set-tos 0x02/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --set-tos Normal-Service", "-A PREROUTING -j TOS --set-tos 0x00/0x3f"],
  ["mangle", "-A PREROUTING -j TOS --and-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x00/0xef"],
  ["mangle", "-A PREROUTING -j TOS --or-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x10/0x10"],
  ["mangle", "-A PREROUTING -j TOS --xor-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x10/0x00"],
];
const CANON6: readonly Case[] = [["mangle", "-A PREROUTING -j TOS --set-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x10/0xff"]];

describe("TOS", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j TOS --set-tos 0x100")).toEqual(['error bad-value 3:32+5 TOS: Symbolic name "0x100" is unknown']);
    expect(diags(4, "mangle", "-A PREROUTING -j TOS --set-tos 0x10/0x100")[0]).toMatch(/Illegal value: "0x10\/0x100"/);
    expect(diags(4, "mangle", "-A PREROUTING -j TOS --and-tos 0x100")[0]).toMatch(/out of range \(0-255\)/);
    expect(diags(4, "mangle", "-A PREROUTING -j TOS")[0]).toMatch(/TOS: An action is required/);
    expect(diags(4, "mangle", "-A PREROUTING -j TOS --set-tos 1 --or-tos 2")[0]).toMatch(/option "--set-tos" cannot be used together with "--or-tos"/);
  });
});
