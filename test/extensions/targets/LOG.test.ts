import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["filter", "-A INPUT -j LOG", "-A INPUT -j LOG"],
  ["filter", "-A INPUT -j LOG --log-level 4", "-A INPUT -j LOG"],
  ["filter", "-A INPUT -j LOG --log-level warning", "-A INPUT -j LOG"],
  ["filter", "-A INPUT -j LOG --log-level 7", "-A INPUT -j LOG --log-level 7"],
  ["filter", "-A INPUT -j LOG --log-level debug", "-A INPUT -j LOG --log-level 7"],
  ["filter", "-A INPUT -j LOG --log-level emerg", "-A INPUT -j LOG --log-level 0"],
  ["filter", "-A INPUT -j LOG --log-level panic", "-A INPUT -j LOG --log-level 0"],
  ["filter", "-A INPUT -j LOG --log-level alert", "-A INPUT -j LOG --log-level 1"],
  ["filter", "-A INPUT -j LOG --log-level crit", "-A INPUT -j LOG --log-level 2"],
  ["filter", "-A INPUT -j LOG --log-level error", "-A INPUT -j LOG --log-level 3"],
  ["filter", "-A INPUT -j LOG --log-level notice", "-A INPUT -j LOG --log-level 5"],
  ["filter", "-A INPUT -j LOG --log-level info", "-A INPUT -j LOG --log-level 6"],
  ["filter", "-A INPUT -j LOG --log-level 0x3", "-A INPUT -j LOG --log-level 3"],
  ["filter", "-A INPUT -j LOG --log-level 07", "-A INPUT -j LOG --log-level 7"],
  ["filter", '-A INPUT -j LOG --log-prefix "foo: "', '-A INPUT -j LOG --log-prefix "foo: "'],
  ["filter", "-A INPUT -j LOG --log-prefix foo", "-A INPUT -j LOG --log-prefix foo"],
  ["filter", '-A INPUT -j LOG --log-prefix "a\\"b"', '-A INPUT -j LOG --log-prefix "a\\"b"'],
  ["filter", "-A INPUT -j LOG --log-prefix \"a'b\"", "-A INPUT -j LOG --log-prefix \"a\\'b\""],
  ["filter", '-A INPUT -j LOG --log-prefix "a\\\\b"', '-A INPUT -j LOG --log-prefix "a\\\\b"'],
  ["filter", '-A INPUT -j LOG --log-prefix "a b.c:d/e$f"', '-A INPUT -j LOG --log-prefix "a b.c:d/e$f"'],
  ["filter", '-A INPUT -j LOG --log-prefix "-x"', "-A INPUT -j LOG --log-prefix -x"],
  ["filter", '-A INPUT -j LOG --log-prefix " "', '-A INPUT -j LOG --log-prefix " "'],
  ["filter", '-A INPUT -j LOG --log-prefix "héllo"', '-A INPUT -j LOG --log-prefix "héllo"'],
  ["filter", '-A INPUT -j LOG --log-prefix "12345678901234567890123456789"', "-A INPUT -j LOG --log-prefix 12345678901234567890123456789"],
  ["filter", '-A INPUT -j LOG --log-prefix "123456789012345678901234567890abc"', "-A INPUT -j LOG --log-prefix 12345678901234567890123456789"],
  [
    "filter",
    "-A INPUT -j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode",
    "-A INPUT -j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode",
  ],
  [
    "filter",
    "-A INPUT -j LOG --log-macdecode --log-uid --log-ip-options --log-tcp-options --log-tcp-sequence --log-prefix x --log-level 1",
    "-A INPUT -j LOG --log-prefix x --log-level 1 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode",
  ],
  ["raw", "-A PREROUTING -j LOG", "-A PREROUTING -j LOG"],
  ["nat", "-A POSTROUTING -j LOG", "-A POSTROUTING -j LOG"],
];

describe("LOG canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("IPv6", () =>
    expect(canon(6, "filter", '-A INPUT -j LOG --log-level debug --log-prefix "x y" --log-uid')).toBe('-A INPUT -j LOG --log-prefix "x y" --log-level 7 --log-uid'));
});

describe("LOG diagnostics", () => {
  test("unknown levels", () => {
    expect(diags(4, "filter", "-A INPUT -j LOG --log-level warn")).toEqual([
      'error bad-log-level 3:29+4 LOG: log level "warn" unknown (0-7 or emerg, alert, crit, error, warning, notice, info, debug)',
    ]);
    for (const l of ["err", "8", "DEBUG", "010", "5x"]) expect(diags(4, "filter", `-A INPUT -j LOG --log-level ${l}`)[0]).toMatch(/bad-log-level/);
  });
  test("prefix: empty, too long", () => {
    expect(diags(4, "filter", '-A INPUT -j LOG --log-prefix ""')).toEqual([
      "error bad-value 3:30+2 LOG: --log-prefix must not be empty (iptables: Argument must have a minimum length of 1 characters)",
    ]);
    expect(diags(4, "filter", '-A INPUT -j LOG --log-prefix "123456789012345678901234567890abc"')).toEqual([
      "warning log-prefix-truncated 3:30+35 LOG: --log-prefix is longer than 29 bytes; iptables silently truncates it to 12345678901234567890123456789",
    ]);
  });
  test("options once", () => {
    expect(diags(4, "filter", "-A INPUT -j LOG --log-uid --log-uid")[0]).toMatch(/repeated-option/);
  });
});

describe("LOG evaluation", () => {
  test("continues, packet unchanged", () => {
    expect(evalTarget(4, "filter", "-A INPUT -j LOG --log-prefix x", packet(), env("filter", "INPUT"))).toEqual({ kind: "continue" });
  });
});
