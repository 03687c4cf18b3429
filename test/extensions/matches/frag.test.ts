import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -m frag --fragid 5", "-A U -m frag --fragid 5"],
  [6, "-A U -m frag --fragid 5:10 --fraglen 8 --fragres --fragfirst", "-A U -m frag --fragid 5:10 --fraglen 8 --fragres --fragfirst"],
  [6, "-A U -m frag ! --fragid 5:10 ! --fraglen 8 --fragres --fragmore", "-A U -m frag ! --fragid 5:10 ! --fraglen 8 --fragres --fragmore"],
  [6, "-A U -m frag --fraglast", "-A U -m frag --fraglast"],
  [6, "-A U -m frag --fragid 0:4294967295", "-A U -m frag"],
  [6, "-A U -m frag ! --fragid 0:4294967295", "-A U -m frag"],
  [6, "-A U -m frag --fragid :5", "-A U -m frag --fragid 0:5"],
  [6, "-A U -m frag --fragid 5:", "-A U -m frag --fragid 5:4294967295"],
  [6, "-A U -m frag --fragid 10:5", "-A U -m frag --fragid 10:5"],
  [6, "-A U -m frag --fraglen 0", "-A U -m frag --fraglen 0"],
  [6, "-A U -m frag ! --fraglen 0", "-A U -m frag ! --fraglen 0"],
  [6, "-A U -m frag", "-A U -m frag"],
  [6, "-A U -p ipv6-frag -m frag --fragid 1", "-A U -p ipv6-frag -m frag --fragid 1"],
  [6, "-A U -m frag --fragfirst --fragmore", "-A U -m frag --fragfirst --fragmore"],
  [6, "-A U -m frag --fraglast --fragfirst", "-A U -m frag --fragfirst --fraglast"],
  [6, "-A U -m frag --fragid 0x10", "-A U -m frag --fragid 16"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [6, "-A U -m frag --fragfirst --fragmore --fraglast", "frag: option \"--fragmore\" cannot be used together with \"--fraglast\".", "frag: option \"--fragmore\" cannot be used together with \"--fraglast\"."],
  [6, "-A U -m frag --fraglen 5:6", "frag: bad value for option \"--fraglen\", or out of range (0-4294967295).", "frag: bad value for option \"--fraglen\", or out of range (0-4294967295)."],
  [6, "-A U -m frag --fragres --fragres", "frag: option \"--fragres\" can only be used once.", "frag: option \"--fragres\" can only be used once."],
  [6, "-A U -m frag --fragid 5 --fragid 6", "frag: option \"--fragid\" can only be used once.", "frag: option \"--fragid\" can only be used once."],
];

describe("frag canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("frag refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -m frag ! --fragid 0:4294967295", "frag: ! --fragid over the whole range never matches in the kernel, but iptables-save prints no --fragid at all (a restored dump matches every packet)"],
];

describe("frag warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("frag evaluation", () => {
  test("later fragments are not first; the header fields are unknown", () => {
    expect(evalMatch(6, "filter", "-A U -m frag --fragfirst", packet({ family: 6, fragment: true }))).toBe(false);
    expect(evalMatch(6, "filter", "-A U -m frag", packet({ family: 6, fragment: true }))).toBe(true);
    expect(evalMatch(6, "filter", "-A U -m frag --fragmore", packet({ family: 6, fragment: true }))).toEqual({
      kind: "unknown",
      key: "frag:more",
      assumption: "more fragments follow",
    });
  });
});
