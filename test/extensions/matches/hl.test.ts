import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [6, "mangle", "-A PREROUTING -m hl --hl-eq 64 -j DROP", "-A PREROUTING -m hl --hl-eq 64 -j DROP"],
  [6, "mangle", "-A PREROUTING -m hl ! --hl-eq 64 -j DROP", "-A PREROUTING -m hl ! --hl-eq 64 -j DROP"],
  [6, "mangle", "-A PREROUTING -m hl --hl-lt 5 -j DROP", "-A PREROUTING -m hl --hl-lt 5 -j DROP"],
  [6, "mangle", "-A PREROUTING -m hl --hl-gt 5 -j DROP", "-A PREROUTING -m hl --hl-gt 5 -j DROP"],
];

describe("hl canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("hl", () => {
  test("diagnostics", () => {
    expect(diags(6, "mangle", "-A U -m hl -j DROP")).toEqual(["error missing-option 3:6+5 hl: you must specify one of --hl-eq, --hl-lt, --hl-gt"]);
    expect(diags(6, "mangle", "-A U -m hl --hl-eq 5 --hl-lt 6 -j DROP")).toEqual([
      "error conflicting-options 3:22+7 hl: --hl-lt cannot be used together with --hl-eq",
    ]);
  });
  test("evaluation", () => {
    expect(evalMatch(6, "mangle", "-A U -m hl --hl-lt 5", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "hl-lt 5",
      assumption: "the packet's hop limit is below 5",
    });
  });
});
