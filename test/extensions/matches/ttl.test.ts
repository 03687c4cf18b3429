import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m ttl --ttl-eq 64 -j DROP", "-A PREROUTING -m ttl --ttl-eq 64 -j DROP"],
  [4, "mangle", "-A PREROUTING -m ttl ! --ttl-eq 64 -j DROP", "-A PREROUTING -m ttl ! --ttl-eq 64 -j DROP"],
  [4, "mangle", "-A PREROUTING -m ttl --ttl-lt 10 -j DROP", "-A PREROUTING -m ttl --ttl-lt 10 -j DROP"],
  [4, "mangle", "-A PREROUTING -m ttl --ttl-gt 10 -j DROP", "-A PREROUTING -m ttl --ttl-gt 10 -j DROP"],
  [4, "mangle", "-A PREROUTING -m ttl --ttl-eq 0x10 -j DROP", "-A PREROUTING -m ttl --ttl-eq 16 -j DROP"],
];

describe("ttl canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("ttl", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m ttl -j DROP")).toEqual(["error missing-option 3:6+6 ttl: you must specify one of --ttl-eq, --ttl-lt, --ttl-gt"]);
    expect(diags(4, "mangle", "-A U -m ttl --ttl-eq 5 --ttl-gt 3 -j DROP")).toEqual([
      "error conflicting-options 3:24+8 ttl: --ttl-gt cannot be used together with --ttl-eq",
    ]);
    expect(diags(4, "mangle", "-A U -m ttl ! --ttl-lt 10 -j DROP")).toEqual(["error bad-negation 3:13+1 ttl: --ttl-lt cannot be negated with !"]);
    expect(diags(4, "mangle", "-A U -m ttl --ttl-eq 256 -j DROP")).toEqual([
      "error bad-value 3:22+3 ttl: bad value for option --ttl-eq, or out of range (0-255): '256'",
    ]);
  });
  test("evaluation is an assumption (packets carry no TTL)", () => {
    expect(evalMatch(4, "mangle", "-A U -m ttl ! --ttl-eq 64", packet())).toEqual({
      kind: "unknown",
      key: "!ttl-eq 64",
      assumption: "not: the packet's TTL is 64",
    });
  });
});
