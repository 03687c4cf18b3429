import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m length --length 100 -j DROP", "-A PREROUTING -m length --length 100 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length --length 100:200 -j DROP", "-A PREROUTING -m length --length 100:200 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length ! --length 100: -j DROP", "-A PREROUTING -m length ! --length 100:65535 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length --length :200 -j DROP", "-A PREROUTING -m length --length 0:200 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length --length 200:100 -j DROP", "-A PREROUTING -m length --length 200:100 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length --length 0:65535 -j DROP", "-A PREROUTING -m length --length 0:65535 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length --length 0x10:010 -j DROP", "-A PREROUTING -m length --length 16:8 -j DROP"],
  [4, "mangle", "-A PREROUTING -m length --length 5:5 -j DROP", "-A PREROUTING -m length --length 5 -j DROP"],
  [6, "mangle", "-A PREROUTING -m length --length 40 -j DROP", "-A PREROUTING -m length --length 40 -j DROP"],
];

describe("length canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("length", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m length --length 70000 -j DROP")).toEqual([
      "error bad-value 3:25+5 length: bad value for option --length near '70000', or out of range (0-65535)",
    ]);
    expect(diags(4, "mangle", "-A U -m length -j DROP")).toEqual(["error missing-option 3:6+9 length: option --length must be specified"]);
  });
  test("evaluation", () => {
    const run = (line: string, length?: number) => evalMatch(4, "mangle", line, packet(length === undefined ? {} : { length }));
    expect(run("-A U -m length --length 100:200", 150)).toBe(true);
    expect(run("-A U -m length ! --length 100:200", 150)).toBe(false);
    expect(run("-A U -m length --length 200:100", 150)).toBe(false);
    expect(run("-A U -m length --length 40")).toEqual({ kind: "unknown", key: "length 40", assumption: "the packet is 40 bytes long" });
  });
});
