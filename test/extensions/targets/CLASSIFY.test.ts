import { describe, expect, test } from "vitest";
import { canon, diags } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class 1:10", "-A POSTROUTING -j CLASSIFY --set-class 0001:0010"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class 0001:0010", "-A POSTROUTING -j CLASSIFY --set-class 0001:0010"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class a:b", "-A POSTROUTING -j CLASSIFY --set-class 000a:000b"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class A:B", "-A POSTROUTING -j CLASSIFY --set-class 000a:000b"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class 10000:1", "-A POSTROUTING -j CLASSIFY --set-class 0000:0001"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class ffff:ffff", "-A POSTROUTING -j CLASSIFY --set-class ffff:ffff"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class 0x10:1", "-A POSTROUTING -j CLASSIFY --set-class 0010:0001"],
  ["mangle", "-A POSTROUTING -j CLASSIFY --set-class 0:0", "-A POSTROUTING -j CLASSIFY --set-class 0000:0000"],
  ["filter", "-A FORWARD -j CLASSIFY --set-class 1:1", "-A FORWARD -j CLASSIFY --set-class 0001:0001"],
];

describe("CLASSIFY", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A POSTROUTING -j CLASSIFY --set-class 1")).toEqual([
      'error bad-value 3:40+1 CLASSIFY: Bad class value "1" (expected MAJOR:MINOR in hex)',
    ]);
    expect(diags(4, "mangle", "-A POSTROUTING -j CLASSIFY --set-class 1:")[0]).toMatch(/Bad class value "1:"/);
    expect(diags(4, "mangle", "-A POSTROUTING -j CLASSIFY")[0]).toMatch(/option "--set-class" must be specified/);
    expect(diags(4, "mangle", "-A PREROUTING -j CLASSIFY --set-class 1:1")[0]).toMatch(/only valid from FORWARD\/OUTPUT\/POSTROUTING/);
    expect(diags(4, "mangle", "-A INPUT -j U", "-A U -j CLASSIFY --set-class 1:1")[0]).toMatch(/reached from INPUT/);
  });
});
