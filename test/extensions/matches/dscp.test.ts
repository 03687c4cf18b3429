import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m dscp --dscp 10 -j DROP", "-A PREROUTING -m dscp --dscp 0x0a -j DROP"],
  [4, "mangle", "-A PREROUTING -m dscp --dscp 0x2e -j DROP", "-A PREROUTING -m dscp --dscp 0x2e -j DROP"],
  [4, "mangle", "-A PREROUTING -m dscp ! --dscp-class EF -j DROP", "-A PREROUTING -m dscp ! --dscp 0x2e -j DROP"],
  [4, "mangle", "-A PREROUTING -m dscp --dscp-class af41 -j DROP", "-A PREROUTING -m dscp --dscp 0x22 -j DROP"],
  [4, "mangle", "-A PREROUTING -m dscp --dscp-class be -j DROP", "-A PREROUTING -m dscp --dscp 0x00 -j DROP"],
  [4, "mangle", "-A PREROUTING -m dscp --dscp 0 -j DROP", "-A PREROUTING -m dscp --dscp 0x00 -j DROP"],
  [4, "mangle", "-A PREROUTING -m dscp --dscp 010 -j DROP", "-A PREROUTING -m dscp --dscp 0x08 -j DROP"],
  [6, "mangle", "-A PREROUTING -m dscp --dscp-class CS1 -j DROP", "-A PREROUTING -m dscp --dscp 0x08 -j DROP"],
];

describe("dscp canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("dscp", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m dscp --dscp 64 -j DROP")).toEqual([
      "error bad-value 3:21+2 dscp: bad value for option --dscp, or out of range (0-63): '64'",
    ]);
    expect(diags(4, "mangle", "-A U -m dscp --dscp 1 --dscp-class EF -j DROP")).toEqual([
      "error conflicting-options 3:23+12 dscp: --dscp-class cannot be used together with --dscp",
    ]);
    expect(diags(4, "mangle", "-A U -m dscp --dscp-class FOO -j DROP")).toEqual(["error bad-value 3:27+3 dscp: invalid DSCP class 'FOO'"]);
    expect(diags(4, "mangle", "-A U -m dscp -j DROP")).toEqual(["error missing-option 3:6+7 dscp: --dscp or --dscp-class is required"]);
  });
  test("evaluation", () => {
    expect(evalMatch(4, "mangle", "-A U -m dscp --dscp-class EF", packet())).toEqual({
      kind: "unknown",
      key: "dscp 0x2e",
      assumption: "the packet's DSCP is 0x2e",
    });
  });
});
