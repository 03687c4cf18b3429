import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m policy --dir in --pol ipsec", "-A U -m policy --dir in --pol ipsec"],
  [4, "-A U -m policy --dir out --pol none", "-A U -m policy --dir out --pol none"],
  [4, "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --spi 0x10 --proto esp --mode tunnel --tunnel-src 1.2.3.4 --tunnel-dst 5.6.7.0/24", "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --spi 0x10 --proto esp --mode tunnel --tunnel-dst 5.6.7.0/24 --tunnel-src 1.2.3.4"],
  [4, "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --next --proto ah --mode transport", "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --next --proto ah --mode transport"],
  [4, "-A U -m policy --dir in --pol ipsec --reqid 1", "-A U -m policy --dir in --pol ipsec --reqid 1"],
  [4, "-A U -m policy --dir in --pol ipsec --reqid 1 --strict", "-A U -m policy --dir in --pol ipsec --strict --reqid 1"],
  [4, "-A U -m policy --dir in --pol ipsec --proto ipcomp", "-A U -m policy --dir in --pol ipsec --proto ipcomp"],
  [4, "-A U -m policy --dir in --pol ipsec --proto 108", "-A U -m policy --dir in --pol ipsec --proto ipcomp"],
  [4, "-A U -m policy --dir in", "-A U -m policy --dir in --pol ipsec"],
  [4, "-A U -m policy --dir in --pol none --reqid 1", "-A U -m policy --dir in --pol none"],
  [4, "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4", "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4"],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 10.1.2.3/8", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 10.1.2.3/8"],
  [4, "-A U -m policy --dir in --pol ipsec --spi 4294967295", "-A U -m policy --dir in --pol ipsec --spi 0xffffffff"],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4 --tunnel-dst 5.6.7.8", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-dst 5.6.7.8 --tunnel-src 1.2.3.4"],
  [4, "-A U -m policy --dir in --pol ipsec ! --reqid 1 ! --spi 2 ! --proto 50 --mode tunnel ! --tunnel-src 1.2.3.4/32 ! --tunnel-dst 5.6.7.8/255.255.0.0", "-A U -m policy --dir in --pol ipsec ! --reqid 1 ! --spi 0x2 ! --proto esp --mode tunnel ! --tunnel-dst 5.6.7.8/16 ! --tunnel-src 1.2.3.4"],
  [4, "-A U -m policy --dir in --pol ipsec ! --mode transport", "-A U -m policy --dir in --pol ipsec ! --mode transport"],
  [4, "-A U -m policy --dir in --pol ipsec --strict ! --reqid 1 --next ! --mode tunnel", "-A U -m policy --dir in --pol ipsec --strict ! --reqid 1 --next ! --mode tunnel"],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 0.0.0.0/0", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 0.0.0.0/0"],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4/255.0.255.0", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4"],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4/33", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4"],
  [4, "-A U -m policy --dir in --pol ipsec --tunnel-src 1.2.3.4 --mode tunnel", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4"],
  [4, "-A U -m policy --dir in --pol ipsec --spi 010 --reqid 0x10", "-A U -m policy --dir in --pol ipsec --reqid 16 --spi 0x8"],
  [4, "-A U -m policy --dir in --pol ipsec --proto 51", "-A U -m policy --dir in --pol ipsec --proto ah"],
  [4, "-A U -m policy --dir in --pol ipsec --proto IPSEC-ESP", "-A U -m policy --dir in --pol ipsec --proto esp"],
  [4, "-A U -m policy --dir in --pol ipsec --reqid 0", "-A U -m policy --dir in --pol ipsec --reqid 0"],
  [4, "-A U -m policy --dir in --pol ipsec --spi 0", "-A U -m policy --dir in --pol ipsec --spi 0x0"],
  [4, "-A U -m policy --dir in --pol ipsec --strict --mode transport --next --proto esp", "-A U -m policy --dir in --pol ipsec --strict --mode transport --next --proto esp"],
  [6, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 2001:db8::1/64 --tunnel-dst 2001:db8::/128", "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-dst 2001:db8:: --tunnel-src 2001:db8::1/64"],
  [6, "-A U -m policy --dir out --pol ipsec --proto esp --mode tunnel --tunnel-dst 2001:db8::/32", "-A U -m policy --dir out --pol ipsec --proto esp --mode tunnel --tunnel-dst 2001:db8::/32"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m policy --dir in --pol ipsec --proto tcp", "policy match: protocol must be ah/esp/ipcomp", "policy match: protocol must be ah/esp/ipcomp"],
  [4, "-A U -m policy --dir in --pol ipsec --proto ESP", "unknown protocol \"ESP\" specified", "unknown protocol \"ESP\" specified"],
  [4, "-A U -m policy --dir IN --pol IPSEC", "policy_match: invalid dir \"IN\"", "policy_match: invalid dir \"IN\""],
  [4, "-A U -m policy --pol ipsec", "policy match: neither --dir in nor --dir out specified", "policy match: neither --dir in nor --dir out specified"],
  [4, "-A U -m policy --dir in --pol ipsec --strict", "policy match: empty policy element 0. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.", "policy match: empty policy element 0. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required."],
  [4, "-A U -m policy --dir in --pol ipsec --next", "policy: option \"--next\" also requires \"--strict\".", "policy: option \"--next\" also requires \"--strict\"."],
  [4, "-A U -m policy --dir in --pol ipsec --strict --next", "policy match: empty policy element 0. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.", "policy match: empty policy element 0. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required."],
  [4, "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --next", "policy match: empty policy element 1. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.", "policy match: empty policy element 1. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required."],
  [4, "-A U -m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4 --next --reqid 5", "policy match: maximum policy depth reached", "policy match: maximum policy depth reached"],
  [4, "-A U -m policy --dir in --pol ipsec --reqid 1 --reqid 2", "policy match: double --reqid option", "policy match: double --reqid option"],
  [4, "-A U -m policy --dir in --pol ipsec --tunnel-src 1.2.3.4", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode"],
  [4, "-A U -m policy --dir in --pol ipsec --mode foo", "policy match: invalid mode \"foo\"", "policy match: invalid mode \"foo\""],
  [4, "-A U -m policy --dir in --pol ipsec --reqid 4294967296", "policy: bad value for option \"--reqid\", or out of range (0-4294967295).", "policy: bad value for option \"--reqid\", or out of range (0-4294967295)."],
  [4, "-A U -m policy --dir in --pol ipsec ! --mode tunnel --tunnel-src 1.2.3.4", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode"],
  [4, "-A U -m policy --dir in --pol ipsec --proto 0", "policy match: protocol must be ah/esp/ipcomp", "policy match: protocol must be ah/esp/ipcomp"],
  [4, "-A U -m policy --dir in --pol ipsec --proto 50x", "unknown protocol \"50x\" specified", "unknown protocol \"50x\" specified"],
  [4, "-A U -m policy --dir in --pol ipsec --reqid -1", "policy: bad value for option \"--reqid\", or out of range (0-4294967295).", "policy: bad value for option \"--reqid\", or out of range (0-4294967295)."],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4 --tunnel-src 1.2.3.5", "policy match: double --tunnel-src option", "policy match: double --tunnel-src option"],
  [4, "-A U -m policy --dir in --pol ipsec --mode transport --tunnel-src 1.2.3.4", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode"],
  [4, "-A U -m policy --dir in --pol ipsec --proto AH", "unknown protocol \"AH\" specified", "unknown protocol \"AH\" specified"],
  [4, "-A U -m policy --dir in --pol ipsec --proto ipsec-esp", "unknown protocol \"ipsec-esp\" specified", "unknown protocol \"ipsec-esp\" specified"],
  [4, "-A U -m policy --dir in --pol ipsec --mode TUNNEL", "policy match: invalid mode \"TUNNEL\"", "policy match: invalid mode \"TUNNEL\""],
  [4, "-A U -m policy --dir in --pol IPsec", "policy match: invalid policy \"IPsec\"", "policy match: invalid policy \"IPsec\""],
  [4, "-A U -m policy --dir in --pol foo", "policy match: invalid policy \"foo\"", "policy match: invalid policy \"foo\""],
  [4, "-A U -m policy --dir in --dir out --pol ipsec", "policy: option \"--dir\" can only be used once.", "policy: option \"--dir\" can only be used once."],
  [4, "-A U -m policy --dir in --pol ipsec --strict --strict --reqid 1", "policy: option \"--strict\" can only be used once.", "policy: option \"--strict\" can only be used once."],
  [6, "-A U -m policy --dir in --pol ipsec --proto ipv6-icmp", "policy match: protocol must be ah/esp/ipcomp", "policy match: protocol must be ah/esp/ipcomp"],
];

describe("policy canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("policy refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m policy --dir in --pol none --reqid 1", "policy: with --pol none the policy elements are ignored (iptables-save does not print them)"],
  [4, "-A U -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4/255.0.255.0", "policy: --tunnel-src: the non-contiguous mask 255.0.255.0 is not kept by iptables (it matches the address exactly)"],
];

describe("policy warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("policy chains and evaluation", () => {
  test("the kernel's hook limits", () => {
    expect(diags(4, "filter", "-A OUTPUT -m policy --dir in --pol ipsec")).toEqual([
      "error bad-hook 3:11+9 -m policy --dir in is only valid in PREROUTING, INPUT, FORWARD (the kernel refuses it in OUTPUT)",
    ]);
    expect(diags(4, "filter", "-A INPUT -m policy --dir out --pol none")).toEqual([
      "error bad-hook 3:10+9 -m policy --dir out is only valid in FORWARD, OUTPUT, POSTROUTING (the kernel refuses it in INPUT)",
    ]);
    expect(canon(4, "filter", "-A INPUT -m policy --dir in --pol ipsec")).toBe("-A INPUT -m policy --dir in --pol ipsec");
  });
  test("IPsec state is unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m policy --dir in --pol ipsec --proto esp", packet())).toEqual({
      kind: "unknown",
      key: "policy:--dir in --pol ipsec --proto esp",
      assumption: "the packet was decapsulated from IPsec under a policy matching --proto esp",
    });
    expect(evalMatch(4, "filter", "-A U -m policy --dir out --pol none", packet())).toEqual({
      kind: "unknown",
      key: "policy:--dir out --pol none",
      assumption: "the packet was not going to be encapsulated by IPsec",
    });
  });
});
