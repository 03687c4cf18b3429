import { describe, expect, test } from "vitest";
import { canon, diags } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A PREROUTING -j TTL --ttl-set 64", "-A PREROUTING -j TTL --ttl-set 64"],
  ["mangle", "-A PREROUTING -j TTL --ttl-dec 1", "-A PREROUTING -j TTL --ttl-dec 1"],
  ["mangle", "-A PREROUTING -j TTL --ttl-inc 1", "-A PREROUTING -j TTL --ttl-inc 1"],
  ["mangle", "-A PREROUTING -j TTL --ttl-set 0", "-A PREROUTING -j TTL --ttl-set 0"],
  ["mangle", "-A PREROUTING -j TTL --ttl-set 0x10", "-A PREROUTING -j TTL --ttl-set 16"],
];

describe("TTL", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j TTL --ttl-dec 0")).toEqual(['error bad-value 3:32+1 TTL: bad value for option "--ttl-dec", or out of range (1-255)']);
    expect(diags(4, "mangle", "-A PREROUTING -j TTL --ttl-set 256")[0]).toMatch(/out of range \(0-255\)/);
    expect(diags(4, "mangle", "-A PREROUTING -j TTL")[0]).toMatch(/TTL: You must specify an action/);
    expect(diags(4, "mangle", "-A PREROUTING -j TTL --ttl-set 1 --ttl-inc 2")[0]).toMatch(/option "--ttl-set" cannot be used together with "--ttl-inc"/);
    expect(diags(4, "nat", "-A PREROUTING -j TTL --ttl-set 1")[0]).toMatch(/only valid in the mangle table, not nat/);
    expect(diags(6, "mangle", "-A PREROUTING -j TTL --ttl-set 1")[0]).toMatch(/does not exist for IPv6/);
  });
});
