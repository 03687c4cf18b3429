import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p ah -m ah --ahspi 5", "-A U -p ah -m ah --ahspi 5"],
  [4, "-A U -p ah --ahspi 5:10", "-A U -p ah -m ah --ahspi 5:10"],
  [4, "-A U -p ah -m ah ! --ahspi 0:4294967295", "-A U -p ah -m ah"],
  [4, "-A U -p ah -m ah", "-A U -p ah -m ah"],
  [4, "-A U -p ah -m ah --ahspi 10:5", "-A U -p ah -m ah --ahspi 10:5"],
  [4, "-A U -p ah -m ah --ahspi 3:", "-A U -p ah -m ah --ahspi 3:4294967295"],
  [4, "-A U -p 51 -m ah --ahspi 5", "-A U -p ah -m ah --ahspi 5"],
  [4, "-A U -p ah -m ah --ahspi 0x10:010", "-A U -p ah -m ah --ahspi 16:8"],
  [6, "-A U -p esp -m esp --espspi 5", "-A U -p esp -m esp --espspi 5"],
  [6, "-A U -p ah -m ah --ahspi 5", "-A U -p ah -m ah --ahspi 5"],
  [6, "-A U -m ah --ahspi 5", "-A U -m ah --ahspi 5"],
  [6, "-A U -p ah -m ah --ahspi 5:6 --ahlen 3 --ahres", "-A U -p ah -m ah --ahspi 5:6 --ahlen 3 --ahres"],
  [6, "-A U -m ah ! --ahspi 5:6 ! --ahlen 3 --ahres", "-A U -m ah ! --ahspi 5:6 ! --ahlen 3 --ahres"],
  [6, "-A U -m ah --ahlen 0x10", "-A U -m ah --ahlen 16"],
  [6, "-A U -m ah --ahlen 256", "-A U -m ah --ahlen 256"],
  [6, "-A U -m ah", "-A U -m ah"],
  [6, "-A U -m ah ! --ahspi 0:4294967295", "-A U -m ah"],
  [6, "-A U -m ah --ahspi 0:4294967295", "-A U -m ah"],
  [6, "-A U -m ah ! --ahlen 0", "-A U -m ah ! --ahlen 0"],
  [6, "-A U -p esp -m ah --ahspi 1", "-A U -p esp -m ah --ahspi 1"],
  [6, "-A U -p ipv6-icmp -m ah --ahspi 1", "-A U -p ipv6-icmp -m ah --ahspi 1"],
  [6, "-A U -p ah --ahspi 1", "-A U -p ah -m ah --ahspi 1"],
  [6, "-A U -m ah --ahlen 0", "-A U -m ah"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m ah --ahspi 1", "RULE_APPEND failed (Invalid argument)", "-m ah needs -p ah in the same rule (the kernel refuses it otherwise)"],
  [4, "-A U -p ah -m ah --ahlen 5", "unknown option \"--ahlen\"", "unknown option \"--ahlen\" (IPv4 -m ah has only --ahspi)"],
  [6, "-A U -m ah --ahlen 5:6", "ah: bad value for option \"--ahlen\", or out of range (0-4294967295).", "ah: bad value for option \"--ahlen\", or out of range (0-4294967295)."],
  [6, "-A U -m ah --ahres --ahres", "ah: option \"--ahres\" can only be used once.", "ah: option \"--ahres\" can only be used once."],
];

describe("ah canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("ah refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p ah -m ah ! --ahspi 0:4294967295", "ah: ! --ahspi over the whole range never matches in the kernel, but iptables-save prints no --ahspi at all (a restored dump matches every packet)"],
  [6, "-A U -m ah ! --ahspi 0:4294967295", "ah: ! --ahspi over the whole range never matches in the kernel, but iptables-save prints no --ahspi at all (a restored dump matches every packet)"],
];

describe("ah warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("ah evaluation", () => {
  test("IPv4: protocol 51, SPI unknown", () => {
    expect(evalMatch(4, "filter", "-A U -p ah -m ah", packet({ proto: 51 }))).toBe(true);
    expect(evalMatch(4, "filter", "-A U -p ah -m ah --ahspi 5", packet({ proto: 17 }))).toBe(false);
    expect(evalMatch(4, "filter", "-A U -p ah -m ah --ahspi 5", packet({ proto: 51 }))).toEqual({
      kind: "unknown",
      key: "ah:spi 5",
      assumption: "the packet's AH SPI is in 5",
    });
  });
  test("IPv6: the header's presence is unknown unless the protocol is AH", () => {
    expect(evalMatch(6, "filter", "-A U -m ah", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "ah:present",
      assumption: "the packet carries an IPv6 AH extension header",
    });
    expect(evalMatch(6, "filter", "-A U -m ah --ahlen 0", packet({ family: 6, proto: 51 }))).toBe(true);
    expect(evalMatch(6, "filter", "-A U -m ah --ahres", packet({ family: 6, proto: 51 }))).toEqual({
      kind: "unknown",
      key: "ah:res",
      assumption: "the AH reserved field is zero",
    });
  });
});
