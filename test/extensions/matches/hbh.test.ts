import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -m hbh --hbh-len 8", "-A U -m hbh --hbh-len 8"],
  [6, "-A U -m hbh ! --hbh-len 8 --hbh-opts 1:2,3,4:255", "-A U -m hbh ! --hbh-len 8 --hbh-opts 1:2,3,4"],
  [6, "-A U -m hbh --hbh-opts 1", "-A U -m hbh --hbh-opts 1"],
  [6, "-A U -m hbh --hbh-opts 1:0", "-A U -m hbh --hbh-opts 1:0"],
  [6, "-A U -m hbh --hbh-opts 256", "-A U -m hbh --hbh-opts 0"],
  [6, "-A U -m hbh --hbh-opts 0x10:0x20", "-A U -m hbh --hbh-opts 16:32"],
  [6, "-A U -m hbh --hbh-len 0", "-A U -m hbh --hbh-len 0"],
  [6, "-A U -m hbh", "-A U -m hbh"],
  [6, "-A U -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "-A U -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"],
  [6, "-A U -m hbh --hbh-opts 1:256", "-A U -m hbh --hbh-opts 1:0"],
  [6, "-A U -m hbh --hbh-opts -1", "-A U -m hbh --hbh-opts 255"],
  [6, "-A U -m hbh --hbh-opts 1:255", "-A U -m hbh --hbh-opts 1"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [6, "-A U -m hbh ! --hbh-opts 1", "hbh: option \"--hbh-opts\" cannot be inverted.", "hbh: --hbh-opts cannot be negated with !"],
  [6, "-A U -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "too many addresses specified", "too many addresses specified"],
  [6, "-A U -m hbh --hbh-opts 0:5", "PAD0 has not got length", "PAD0 has not got length"],
  [6, "-A U -m hbh --hbh-opts x", "hbh: no valid digits in opt `x'", "hbh: no valid digits in opt `x'"],
  [6, "-A U -m hbh --hbh-opts 1:x", "hbh: no valid digits in length `x'", "hbh: no valid digits in length `x'"],
  [6, "-A U -m hbh --hbh-opts 1x", "hbh: error parsing opt `1x'", "hbh: error parsing opt `1x'"],
  [6, "-A U -m hbh --hbh-opts 99999999999999999999", "opt `99999999999999999999' specified too big: would overflow", "opt `99999999999999999999' specified too big: would overflow"],
  [6, "-A U -m hbh --hbh-len 4294967296", "hbh: bad value for option \"--hbh-len\", or out of range (0-4294967295).", "hbh: bad value for option \"--hbh-len\", or out of range (0-4294967295)."],
];

describe("hbh canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("hbh refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("hbh evaluation", () => {
  test("the header is unknown", () => {
    expect(evalMatch(6, "filter", "-A U -m hbh ! --hbh-len 8 --hbh-opts 1:2,3", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "hbh:not length 8, options 1:2,3",
      assumption: "the packet carries an IPv6 Hop-by-Hop Options header with not length 8, options 1:2,3",
    });
  });
});
