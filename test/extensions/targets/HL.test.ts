import { describe, expect, test } from "vitest";
import { canon, diags } from "./helpers.js";

/** [table, input, what ip6tables-save printed after ip6tables-restore (1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON6: readonly Case[] = [
  ["mangle", "-A PREROUTING -j HL --hl-set 64", "-A PREROUTING -j HL --hl-set 64"],
  ["mangle", "-A PREROUTING -j HL --hl-dec 1", "-A PREROUTING -j HL --hl-dec 1"],
  ["mangle", "-A PREROUTING -j HL --hl-inc 1", "-A PREROUTING -j HL --hl-inc 1"],
];

describe("HL", () => {
  test.each(CANON6)("%s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(6, "mangle", "-A PREROUTING -j HL --hl-inc 0")).toEqual(['error bad-value 3:30+1 HL: bad value for option "--hl-inc", or out of range (1-255)']);
    expect(diags(4, "mangle", "-A PREROUTING -j HL --hl-set 1")[0]).toMatch(/does not exist for IPv4/);
  });
});
