import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -m dst --dst-len 8 --dst-opts 1:2,3", "-A U -m dst --dst-len 8 --dst-opts 1:2,3"],
  [6, "-A U -m dst ! --dst-len 0", "-A U -m dst ! --dst-len 0"],
  [6, "-A U -m dst --dst-opts 5", "-A U -m dst --dst-opts 5"],
  [6, "-A U -m dst --dst-opts 1:2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:1", "-A U -m dst --dst-opts 1:2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:1"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [6, "-A U -m dst --dst-opts 0:5", "PAD0 hasn't got length", "PAD0 hasn't got length"],
  [6, "-A U -m dst --dst-opts x", "dst: no valid digits in opt `x'", "dst: no valid digits in opt `x'"],
  [6, "-A U -m dst --dst-opts 1,", "dst: no valid digits in opt `'", "dst: no valid digits in opt `'"],
  [6, "-A U -m dst --dst-opts \"\"", "dst: no valid digits in opt `'", "dst: no valid digits in opt `'"],
  [6, "-A U -m dst --dst-opts 1:2:3", "dst: error parsing length `2:3'", "dst: error parsing length `2:3'"],
];

describe("dst canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("dst refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("dst evaluation", () => {
  test("the header is unknown", () => {
    expect(evalMatch(6, "filter", "-A U -m dst ! --dst-len 8 --dst-opts 1:2,3", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "dst:not length 8, options 1:2,3",
      assumption: "the packet carries an IPv6 Destination Options header with not length 8, options 1:2,3",
    });
  });
});
