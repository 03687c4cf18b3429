import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p esp -m esp --espspi 5", "-A U -p esp -m esp --espspi 5"],
  [4, "-A U -p esp --espspi 5", "-A U -p esp -m esp --espspi 5"],
  [4, "-A U -p esp -m esp --espspi 5:10", "-A U -p esp -m esp --espspi 5:10"],
  [4, "-A U -p esp -m esp ! --espspi 5:10", "-A U -p esp -m esp ! --espspi 5:10"],
  [4, "-A U -p esp -m esp --espspi 10:5", "-A U -p esp -m esp --espspi 10:5"],
  [4, "-A U -p esp -m esp --espspi 5:5", "-A U -p esp -m esp --espspi 5"],
  [4, "-A U -p esp -m esp --espspi :10", "-A U -p esp -m esp --espspi 0:10"],
  [4, "-A U -p esp -m esp --espspi 5:", "-A U -p esp -m esp --espspi 5:4294967295"],
  [4, "-A U -p esp -m esp --espspi 0:4294967295", "-A U -p esp -m esp"],
  [4, "-A U -p esp -m esp --espspi 0x10", "-A U -p esp -m esp --espspi 16"],
  [4, "-A U -p esp -m esp", "-A U -p esp -m esp"],
  [4, "-A U -p esp -m esp --espspi 0", "-A U -p esp -m esp --espspi 0"],
  [4, "-A U -p esp -m esp ! --espspi 0:4294967295", "-A U -p esp -m esp"],
  [4, "-A U -p esp -m esp ! --espspi 0:", "-A U -p esp -m esp"],
  [6, "-A U -p esp -m esp --espspi 5", "-A U -p esp -m esp --espspi 5"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m esp --espspi 5", "RULE_APPEND failed (Invalid argument)", "-m esp needs -p esp in the same rule (the kernel refuses it otherwise)"],
  [4, "-A U -p tcp -m esp --espspi 5", "RULE_APPEND failed (Invalid argument)", "-m esp needs -p esp in the same rule (the kernel refuses it otherwise)"],
  [4, "-A U ! -p esp -m esp --espspi 5", "RULE_APPEND failed (Invalid argument)", "-m esp needs -p esp in the same rule (the kernel refuses it otherwise)"],
  [4, "-A U -p esp -m esp --espspi 4294967296", "esp: bad value for option \"--espspi\" near \"4294967296\", or out of range (0-4294967295).", "esp: bad value for option \"--espspi\" near \"4294967296\", or out of range (0-4294967295)."],
  [4, "-A U -p esp -m esp --espspi 1:2:3", "esp: Too many components for option \"--espspi\" (max: 2)", "esp: Too many components for option \"--espspi\" (max: 2)"],
  [4, "-A U -p esp -m esp --espspi 5 --espspi 6", "esp: option \"--espspi\" can only be used once.", "esp: option \"--espspi\" can only be used once."],
  [6, "-A U -m esp --espspi 5", "RULE_APPEND failed (Invalid argument)", "-m esp needs -p esp in the same rule (the kernel refuses it otherwise)"],
];

describe("esp canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("esp refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p esp -m esp ! --espspi 0:4294967295", "esp: ! --espspi over the whole range never matches in the kernel, but iptables-save prints no --espspi at all (a restored dump matches every packet)"],
  [4, "-A U -p esp -m esp ! --espspi 0:", "esp: ! --espspi over the whole range never matches in the kernel, but iptables-save prints no --espspi at all (a restored dump matches every packet)"],
];

describe("esp warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("esp evaluation", () => {
  const run = (line: string, p: Parameters<typeof packet>[0]) => evalMatch(4, "filter", line, packet(p));
  test("protocol, fragments, SPI", () => {
    expect(run("-A U -p esp -m esp", { proto: 50 })).toBe(true);
    expect(run("-A U -p esp -m esp", { proto: 6 })).toBe(false);
    expect(run("-A U -p esp -m esp --espspi 5", { proto: 50, fragment: true })).toBe(false);
    expect(run("-A U -p esp -m esp --espspi 10:5", { proto: 50 })).toBe(false);
    expect(run("-A U -p esp -m esp ! --espspi 0:4294967295", { proto: 50 })).toBe(false);
    expect(run("-A U -p esp -m esp ! --espspi 5:10", { proto: 50 })).toEqual({
      kind: "unknown",
      key: "!esp:spi 5:10",
      assumption: "not: the packet's ESP SPI is in 5:10",
    });
  });
});
