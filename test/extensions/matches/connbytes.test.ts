import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m connbytes --connbytes 10 --connbytes-dir original --connbytes-mode packets", "-A U -m connbytes --connbytes 10 --connbytes-mode packets --connbytes-dir original"],
  [4, "-A U -m connbytes --connbytes 10:20 --connbytes-dir reply --connbytes-mode bytes", "-A U -m connbytes --connbytes 10:20 --connbytes-mode bytes --connbytes-dir reply"],
  [4, "-A U -m connbytes ! --connbytes 10:20 --connbytes-dir both --connbytes-mode avgpkt", "-A U -m connbytes ! --connbytes 10:20 --connbytes-mode avgpkt --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes :20 --connbytes-dir both --connbytes-mode avgpkt", "-A U -m connbytes --connbytes 0:20 --connbytes-mode avgpkt --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 10: --connbytes-dir both --connbytes-mode avgpkt", "-A U -m connbytes --connbytes 10 --connbytes-mode avgpkt --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 10:10 --connbytes-dir both --connbytes-mode avgpkt", "-A U -m connbytes --connbytes 10:10 --connbytes-mode avgpkt --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 0x10 --connbytes-dir both --connbytes-mode avgpkt", "-A U -m connbytes --connbytes 16 --connbytes-mode avgpkt --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 18446744073709551615 --connbytes-dir both --connbytes-mode avgpkt", "-A U -m connbytes --connbytes 18446744073709551615 --connbytes-mode avgpkt --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 0 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 0 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 0:0 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 0 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes ! --connbytes 10 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes ! --connbytes 10 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes ! --connbytes 0:0 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 0 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes ! --connbytes 5:5 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 5:5 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes ! --connbytes 0 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes ! --connbytes 0 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 0:18446744073709551615 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 0 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 5:18446744073709551614 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 5:18446744073709551614 --connbytes-mode bytes --connbytes-dir both"],
  [4, "-A U -m connbytes --connbytes 010 --connbytes-dir both --connbytes-mode bytes", "-A U -m connbytes --connbytes 8 --connbytes-mode bytes --connbytes-dir both"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m connbytes --connbytes 20:10 --connbytes-dir both --connbytes-mode avgpkt", "20 should be less than 10", "20 should be less than 10"],
  [4, "-A U -m connbytes --connbytes 18446744073709551616 --connbytes-dir both --connbytes-mode avgpkt", "connbytes: bad value for option \"--connbytes\" near \"18446744073709551616\", or out of range (0-18446744073709551615).", "connbytes: bad value for option \"--connbytes\" near \"18446744073709551616\", or out of range (0-18446744073709551615)."],
  [4, "-A U -m connbytes --connbytes 10", "connbytes: option \"--connbytes-dir\" must be specified", "connbytes: option \"--connbytes-dir\" must be specified"],
  [4, "-A U -m connbytes --connbytes 10 --connbytes-dir both", "connbytes: option \"--connbytes-mode\" must be specified", "connbytes: option \"--connbytes-mode\" must be specified"],
  [4, "-A U -m connbytes --connbytes-dir both --connbytes-mode bytes", "connbytes: option \"--connbytes\" must be specified", "connbytes: option \"--connbytes\" must be specified"],
  [4, "-A U -m connbytes --connbytes 10 --connbytes-dir Both --connbytes-mode bytes", "Unknown --connbytes-dir `Both'", "Unknown --connbytes-dir `Both'"],
  [4, "-A U -m connbytes --connbytes 10 --connbytes-dir both --connbytes-mode BYTES", "Unknown --connbytes-mode `BYTES'", "Unknown --connbytes-mode `BYTES'"],
  [4, "-A U -m connbytes --connbytes 10 --connbytes-dir foo --connbytes-mode bytes", "Unknown --connbytes-dir `foo'", "Unknown --connbytes-dir `foo'"],
  [4, "-A U -m connbytes --connbytes 10:0 --connbytes-dir both --connbytes-mode bytes", "10 should be less than 0", "10 should be less than 0"],
  [4, "-A U -m connbytes --connbytes 1:2:3 --connbytes-dir both --connbytes-mode bytes", "connbytes: Too many components for option \"--connbytes\" (max: 2)", "connbytes: Too many components for option \"--connbytes\" (max: 2)"],
];

describe("connbytes canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("connbytes refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m connbytes --connbytes 0:0 --connbytes-dir both --connbytes-mode bytes", "connbytes: --connbytes 0:0 prints as `--connbytes 0`, which a restore reads as 0 and above"],
  [4, "-A U -m connbytes ! --connbytes 0:0 --connbytes-dir both --connbytes-mode bytes", "connbytes: ! --connbytes 0:0 is stored unnegated by iptables (the kernel matches exactly 0)"],
  [4, "-A U -m connbytes ! --connbytes 5:5 --connbytes-dir both --connbytes-mode bytes", "connbytes: ! --connbytes 5:5 is stored unnegated by iptables (the kernel matches exactly 5)"],
];

describe("connbytes warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("connbytes evaluation", () => {
  test("the counters are unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m connbytes ! --connbytes 10:20 --connbytes-dir both --connbytes-mode bytes", packet())).toEqual({
      kind: "unknown",
      key: "connbytes:! --connbytes 10:20 bytes both",
      assumption: "the connection's byte count in both directions is outside 10:20",
    });
  });
});
