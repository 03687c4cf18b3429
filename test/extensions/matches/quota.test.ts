import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m quota --quota 1000", "-A U -m quota --quota 1000"],
  [4, "-A U -m quota ! --quota 1000", "-A U -m quota ! --quota 1000"],
  [4, "-A U -m quota --quota 0", "-A U -m quota --quota 0"],
  [4, "-A U -m quota --quota 0x10", "-A U -m quota --quota 16"],
  [4, "-A U -m quota --quota 18446744073709551615", "-A U -m quota --quota 18446744073709551615"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m quota --quota 18446744073709551616", "quota: bad value for option \"--quota\", or out of range (0-18446744073709551615).", "quota: bad value for option \"--quota\", or out of range (0-18446744073709551615)."],
  [4, "-A U -m quota", "quota: option \"--quota\" must be specified", "quota: option \"--quota\" must be specified"],
  [4, "-A U -m quota --quota 1k", "quota: bad value for option \"--quota\", or out of range (0-18446744073709551615).", "quota: bad value for option \"--quota\", or out of range (0-18446744073709551615)."],
  [4, "-A U -m quota --quota 1 --quota 2", "quota: option \"--quota\" can only be used once.", "quota: option \"--quota\" can only be used once."],
];

describe("quota canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("quota refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("quota evaluation", () => {
  test("the budget is unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m quota ! --quota 1000", packet())).toEqual({
      kind: "unknown",
      key: "!quota:1000",
      assumption: "not: the quota of 1000 bytes is not used up yet",
    });
  });
});
