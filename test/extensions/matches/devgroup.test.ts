import { describe, expect, test } from "vitest";
import { canon, col, diags, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m devgroup --src-group 1", "-A U -m devgroup --src-group 0x1"],
  [4, "-A U -m devgroup --dst-group 0x10/0xff", "-A U -m devgroup --dst-group 0x10/0xff"],
  [4, "-A U -m devgroup ! --src-group 5 ! --dst-group 6", "-A U -m devgroup ! --src-group 0x5 ! --dst-group 0x6"],
  [4, "-A U -m devgroup --src-group default", "-A U -m devgroup --src-group default"],
  [4, "-A U -m devgroup --src-group 1/0xffffffff", "-A U -m devgroup --src-group 0x1"],
  [4, "-A U -m devgroup --src-group 010", "-A U -m devgroup --src-group 0x8"],
  [4, "-A U -m devgroup --dst-group 1 --src-group 2", "-A U -m devgroup --src-group 0x2 --dst-group 0x1"],
  [4, "-A U -m devgroup --src-group 0", "-A U -m devgroup --src-group default"],
  [4, "-A U -m devgroup --src-group 1/0", "-A U -m devgroup --src-group 0x1/0x0"],
  [4, "-A U -m devgroup --src-group 0/0xff", "-A U -m devgroup --src-group 0x0/0xff"],
  [4, "-A U -m devgroup --src-group 0x0", "-A U -m devgroup --src-group default"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m devgroup --src-group 4294967296", "devgroup: could not map name 4294967296 to an integer value for option \"--src-group\".", "devgroup: could not map name 4294967296 to an integer value for option \"--src-group\"."],
  [4, "-A U -m devgroup", "devgroup match: You must specify either '--src-group' or '--dst-group'", "devgroup match: You must specify either '--src-group' or '--dst-group'"],
  [4, "-A U -m devgroup --src-group 1/2/3", "devgroup: trailing garbage after value for option \"--src-group\".", "devgroup: trailing garbage after value for option \"--src-group\"."],
  [4, "-A U -m devgroup --src-group foo", "devgroup: could not map name foo to an integer value for option \"--src-group\".", "devgroup: could not map name foo to an integer value for option \"--src-group\"."],
  [4, "-A U -m devgroup --src-group default/0xff", "devgroup: could not map name default/0xff to an integer value for option \"--src-group\".", "devgroup: could not map name default/0xff to an integer value for option \"--src-group\"."],
  [4, "-A U -m devgroup --src-group 1/", "devgroup: bad integer value for option \"--src-group\", or out of range.", "devgroup: bad integer value for option \"--src-group\", or out of range."],
  [4, "-A U -m devgroup --src-group /1", "devgroup: could not map name /1 to an integer value for option \"--src-group\".", "devgroup: could not map name /1 to an integer value for option \"--src-group\"."],
  [4, "-A U -m devgroup --src-group DEFAULT", "devgroup: could not map name DEFAULT to an integer value for option \"--src-group\".", "devgroup: could not map name DEFAULT to an integer value for option \"--src-group\"."],
  [4, "-A U -m devgroup --src-group 1x", "devgroup: could not map name 1x to an integer value for option \"--src-group\".", "devgroup: could not map name 1x to an integer value for option \"--src-group\"."],
];

describe("devgroup canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("devgroup refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("devgroup chains and evaluation", () => {
  test("the kernel's hook limits", () => {
    const a = "-A OUTPUT -m devgroup --src-group 1";
    expect(diags(4, "filter", a)).toEqual([
      `error bad-hook 3:${col(a, "--src")}+11 -m devgroup --src-group is only valid in PREROUTING, INPUT, FORWARD (the kernel refuses it in OUTPUT)`,
    ]);
    const b = "-A INPUT -m devgroup --dst-group 1";
    expect(diags(4, "filter", b)).toEqual([
      `error bad-hook 3:${col(b, "--dst")}+11 -m devgroup --dst-group is only valid in FORWARD, OUTPUT, POSTROUTING (the kernel refuses it in INPUT)`,
    ]);
    expect(canon(4, "filter", "-A FORWARD -m devgroup --dst-group 2 --src-group 1")).toBe("-A FORWARD -m devgroup --src-group 0x1 --dst-group 0x2");
  });
  test("groups are unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m devgroup ! --src-group 0x10/0xff", packet({ inIface: "eth0" }))).toEqual({
      kind: "unknown",
      key: "!devgroup:src eth0 0x10/0xff",
      assumption: "not: the device group of eth0 is 0x10/0xff",
    });
  });
});
