import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p tcp -m connlimit --connlimit-above 20 --connlimit-mask 24 -j REJECT --reject-with tcp-reset", "-A U -p tcp -m connlimit --connlimit-above 20 --connlimit-mask 24 --connlimit-saddr -j REJECT --reject-with tcp-reset"],
  [4, "-A U -m connlimit --connlimit-above 20", "-A U -m connlimit --connlimit-above 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit ! --connlimit-upto 20", "-A U -m connlimit --connlimit-above 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit ! --connlimit-above 20", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 33", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-daddr", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-daddr"],
  [4, "-A U -m connlimit --connlimit-upto 0x10", "-A U -m connlimit --connlimit-upto 16 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 010", "-A U -m connlimit --connlimit-upto 8 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 0", "-A U -m connlimit --connlimit-upto 0 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 4294967295", "-A U -m connlimit --connlimit-upto 4294967295 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 255.255.0.0", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 16 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 010", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 8 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 64", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 128", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 129", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 255.0.255.0", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0x10", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 16 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 255.255.255.255", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0.0.0.0", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 4294967295", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 255.255.255.128", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 25 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0.255.255.255", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 1.2.3", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [6, "-A U -m connlimit --connlimit-upto 20", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 128 --connlimit-saddr"],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 64", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 64 --connlimit-saddr"],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 128", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 128 --connlimit-saddr"],
  [6, "-A U -m connlimit --connlimit-above 2 --connlimit-daddr --connlimit-mask 0", "-A U -m connlimit --connlimit-above 2 --connlimit-mask 0 --connlimit-daddr"],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask ffff:ffff::", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 32 --connlimit-saddr"],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask ffff:0:ffff::", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 128 --connlimit-saddr"],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0x40", "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 64 --connlimit-saddr"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-saddr --connlimit-daddr", "connlimit: option \"--connlimit-saddr\" cannot be used together with \"--connlimit-daddr\".", "connlimit: option \"--connlimit-saddr\" cannot be used together with \"--connlimit-daddr\"."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-daddr --connlimit-saddr", "connlimit: option \"--connlimit-saddr\" cannot be used together with \"--connlimit-daddr\".", "connlimit: option \"--connlimit-saddr\" cannot be used together with \"--connlimit-daddr\"."],
  [4, "-A U -m connlimit --connlimit-upto 4294967296", "connlimit: bad value for option \"--connlimit-upto\", or out of range (0-4294967295).", "connlimit: bad value for option \"--connlimit-upto\", or out of range (0-4294967295)."],
  [4, "-A U -m connlimit --connlimit-upto 1 --connlimit-above 2", "connlimit: option \"--connlimit-upto\" cannot be used together with \"--connlimit-above\".", "connlimit: option \"--connlimit-upto\" cannot be used together with \"--connlimit-above\"."],
  [4, "-A U -m connlimit", "You must specify \"--connlimit-above\" or \"--connlimit-upto\".", "You must specify \"--connlimit-above\" or \"--connlimit-upto\"."],
  [4, "-A U -m connlimit --connlimit-mask 24", "You must specify \"--connlimit-above\" or \"--connlimit-upto\".", "You must specify \"--connlimit-above\" or \"--connlimit-upto\"."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask -1", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32)."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 08", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32)."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-saddr --connlimit-saddr", "connlimit: option \"--connlimit-saddr\" can only be used once.", "connlimit: option \"--connlimit-saddr\" can only be used once."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 24 --connlimit-mask 16", "connlimit: option \"--connlimit-mask\" can only be used once.", "connlimit: option \"--connlimit-mask\" can only be used once."],
  [4, "-A U -m connlimit --connlimit-upto abc", "connlimit: bad value for option \"--connlimit-upto\", or out of range (0-4294967295).", "connlimit: bad value for option \"--connlimit-upto\", or out of range (0-4294967295)."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 24x", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32)."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask \"\"", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32)."],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 4294967296", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-32)."],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 129", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-128).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-128)."],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 255.255.0.0", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-128).", "connlimit: bad value for option \"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-128)."],
];

describe("connlimit canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("connlimit refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 33", "connlimit: a mask of 33 bits is more than IPv4 has; it acts and prints as 32"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 64", "connlimit: a mask of 64 bits is more than IPv4 has; it acts and prints as 32"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 128", "connlimit: a mask of 128 bits is more than IPv4 has; it acts and prints as 32"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 129", "connlimit: a mask of 129 bits is more than IPv4 has; it acts and prints as 32"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 255.0.255.0", "connlimit: the non-contiguous mask 255.0.255.0 is not kept by iptables-save (it prints 32)"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 4294967295", "connlimit: a mask of 4294967295 bits is more than IPv4 has; it acts and prints as 32"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 0.255.255.255", "connlimit: the non-contiguous mask 0.255.255.255 is not kept by iptables-save (it prints 32)"],
  [4, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask 1.2.3", "connlimit: the non-contiguous mask 1.2.3 is not kept by iptables-save (it prints 32)"],
  [6, "-A U -m connlimit --connlimit-upto 20 --connlimit-mask ffff:0:ffff::", "connlimit: the non-contiguous mask ffff:0:ffff:: is not kept by iptables-save (it prints 128)"],
];

describe("connlimit warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("connlimit evaluation", () => {
  test("the connection count is unknown", () => {
    expect(evalMatch(4, "filter", "-A U -p tcp -m connlimit --connlimit-above 20 --connlimit-mask 24", packet())).toEqual({
      kind: "unknown",
      key: "connlimit:above 20/24 saddr",
      assumption: "the source /24 network has more than 20 connections",
    });
    expect(evalMatch(6, "filter", "-A U -m connlimit ! --connlimit-above 2 --connlimit-daddr", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "connlimit:upto 2/128 daddr",
      assumption: "the destination /128 network has at most 2 connections",
    });
  });
});
