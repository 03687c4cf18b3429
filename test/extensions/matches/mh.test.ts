import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -p mh -m mh --mh-type 1", "-A U -p mobility-header -m mh --mh-type 1"],
  [6, "-A U -p mh --mh-type 1", "-A U -p mobility-header -m mh --mh-type 1"],
  [6, "-A U -p mobility-header -m mh --mh-type binding-refresh-request", "-A U -p mobility-header -m mh --mh-type 0"],
  [6, "-A U -p mh -m mh --mh-type 1:5", "-A U -p mobility-header -m mh --mh-type 1:5"],
  [6, "-A U -p mh -m mh ! --mh-type home-test-init:binding-update", "-A U -p mobility-header -m mh ! --mh-type 1:5"],
  [6, "-A U -p mh -m mh --mh-type 0:255", "-A U -p mobility-header -m mh"],
  [6, "-A U -p mh -m mh ! --mh-type 0:255", "-A U -p mobility-header -m mh"],
  [6, "-A U -p mh -m mh --mh-type :3", "-A U -p mobility-header -m mh --mh-type 0:3"],
  [6, "-A U -p mh -m mh --mh-type 3:", "-A U -p mobility-header -m mh --mh-type 3:255"],
  [6, "-A U -p mh -m mh", "-A U -p mobility-header -m mh"],
  [6, "-A U -p ipv6-mh -m mh --mh-type 0", "-A U -p mobility-header -m mh --mh-type 0"],
  [6, "-A U -p mh -m mh --mh-type brr", "-A U -p mobility-header -m mh --mh-type 0"],
  [6, "-A U -p mh -m mh --mh-type b", "-A U -p mobility-header -m mh --mh-type 0"],
  [6, "-A U -p mh -m mh --mh-type H", "-A U -p mobility-header -m mh --mh-type 1"],
  [6, "-A U -p mh -m mh --mh-type 0x10", "-A U -p mobility-header -m mh --mh-type 16"],
  [6, "-A U -p mh -m mh --mh-type :", "-A U -p mobility-header -m mh"],
  [6, "-A U -p mh -m mh --mh-type \"\"", "-A U -p mobility-header -m mh --mh-type 0"],
  [6, "-A U -p mh -m mh ! --mh-type 3", "-A U -p mobility-header -m mh ! --mh-type 3"],
  [6, "-A U -p mh -m mh --mh-type 5:5", "-A U -p mobility-header -m mh --mh-type 5"],
  [6, "-A U -p mh -m mh --mh-type bu:be", "-A U -p mobility-header -m mh --mh-type 5:7"],
  [6, "-A U -p mh -m mh --mh-type hot", "-A U -p mobility-header -m mh --mh-type 3"],
  [6, "-A U -p mh -m mh --mh-type home-test", "-A U -p mobility-header -m mh --mh-type 3"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [6, "-A U -m mh --mh-type 1", "RULE_APPEND failed (Invalid argument)", "-m mh needs -p mobility-header in the same rule (the kernel refuses it otherwise)"],
  [6, "-A U -p mh -m mh --mh-type 5:1", "Invalid MH type range (min > max)", "Invalid MH type range (min > max)"],
  [6, "-A U -p mh -m mh --mh-type 256", "Invalid MH type `256'", "Invalid MH type `256'"],
  [6, "-A U -p mh -m mh --mh-type foo", "Invalid MH type `foo'", "Invalid MH type `foo'"],
];

describe("mh canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("mh refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -p mh -m mh ! --mh-type 0:255", "mh: ! --mh-type 0:255 never matches in the kernel, but iptables-save prints no --mh-type at all"],
];

describe("mh warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("mh evaluation", () => {
  test("protocol 135; the type is unknown", () => {
    expect(evalMatch(6, "filter", "-A U -p mh -m mh", packet({ family: 6, proto: 135 }))).toBe(true);
    expect(evalMatch(6, "filter", "-A U -p mh -m mh --mh-type 5", packet({ family: 6, proto: 58 }))).toBe(false);
    expect(evalMatch(6, "filter", "-A U -p mh -m mh ! --mh-type bu:be", packet({ family: 6, proto: 135 }))).toEqual({
      kind: "unknown",
      key: "!mh:type 5:7",
      assumption: "not: the Mobility Header type is in 5:7",
    });
  });
});
