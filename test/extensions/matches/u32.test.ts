import { describe, expect, test } from "vitest";
import { canon, col, diags, evalMatch, packet, roundTrip } from "./helpers.js";
import { formatU32, parseU32 } from "../../../src/extensions/matches/u32.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m u32 --u32 \"0>>22&0x3C@12>>26&0x3C@0&0xFF=0x17\"", "-A U -m u32 --u32 \"0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0&0xff=0x17\""],
  [4, "-A U -m u32 ! --u32 \"0&0xFFFF=0x100:0xFFFF\"", "-A U -m u32 ! --u32 \"0x0&0xffff=0x100:0xffff\""],
  [4, "-A U -m u32 --u32 \"6 & 0xFF = 1,2:3 && 0<<1=010\"", "-A U -m u32 --u32 \"0x6&0xff=0x1,0x2:0x3&&0x0<<0x1=0x8\""],
  [4, "-A U -m u32 --u32 \"6&0xFF=5:4\"", "-A U -m u32 --u32 \"0x6&0xff=0x5:0x4\""],
  [4, "-A U -m u32 --u32 \"0&1&2&3&4&5&6&7&8&9=1\"", "-A U -m u32 --u32 \"0x0&0x1&0x2&0x3&0x4&0x5&0x6&0x7&0x8&0x9=0x1\""],
  [4, "-A U -m u32 --u32 \"0=1,2,3,4,5,6,7,8,9,10\"", "-A U -m u32 --u32 \"0x0=0x1,0x2,0x3,0x4,0x5,0x6,0x7,0x8,0x9,0xa\""],
  [4, "-A U -m u32 --u32 \"0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1\"", "-A U -m u32 --u32 \"0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1&&0x0=0x1\""],
  [4, "-A U -m u32 --u32 \"0=+1\"", "-A U -m u32 --u32 \"0x0=0x1\""],
  [4, "-A U -m u32 --u32 \"0=5:5\"", "-A U -m u32 --u32 \"0x0=0x5\""],
  [4, "-A U -m u32 --u32 \"0 = 5 : 6\"", "-A U -m u32 --u32 \"0x0=0x5:0x6\""],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m u32 --u32 \"6&0xFF\"", "u32: abrupt end of input after location specifier", "u32: abrupt end of input after location specifier"],
  [4, "-A U -m u32 --u32 \"=5\"", "u32: at char 0: location spec missing", "u32: at char 0: location spec missing"],
  [4, "-A U -m u32 --u32 \"6&0xFF=\"", "u32: test ended with no value specified", "u32: test ended with no value specified"],
  [4, "-A U -m u32 --u32 \"6&0xFF=1&&\"", "u32: abrupt end of input after location specifier", "u32: abrupt end of input after location specifier"],
  [4, "-A U -m u32 --u32 \"6<0xFF=1\"", "u32: at char 2: a second '<' was expected", "u32: at char 2: a second '<' was expected"],
  [4, "-A U -m u32 --u32 \"6^0xFF=1\"", "u32: at char 1: operator expected", "u32: at char 1: operator expected"],
  [4, "-A U -m u32 --u32 \"6&0xFF=1;2\"", "u32: at char 8: expected \",\" or \"&&\"", "u32: at char 8: expected \",\" or \"&&\""],
  [4, "-A U -m u32 --u32 \"6&x=1\"", "u32: at char 2: not a number or out of range", "u32: at char 2: not a number or out of range"],
  [4, "-A U -m u32 --u32 \"6&4294967296=1\"", "u32: at char 2: not a number or out of range", "u32: at char 2: not a number or out of range"],
  [4, "-A U -m u32 --u32 \"0&1&2&3&4&5&6&7&8&9&10=1\"", "u32: at char 22: too many operators", "u32: at char 22: too many operators"],
  [4, "-A U -m u32 --u32 \"0=1,2,3,4,5,6,7,8,9,10,11\"", "u32: at char 25: too many \",\"s", "u32: at char 25: too many \",\"s"],
  [4, "-A U -m u32 --u32 \"0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1\"", "u32: at char 53: too many \"&&\"s", "u32: at char 53: too many \"&&\"s"],
  [4, "-A U -m u32 --u32 \"0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1&&0=1\"", "u32: at char 54: too many \"&&\"s", "u32: at char 54: too many \"&&\"s"],
  [4, "-A U -m u32 --u32 \"\"", "u32: abrupt end of input after location specifier", "u32: abrupt end of input after location specifier"],
  [4, "-A U -m u32 --u32 \"0=-1\"", "u32: at char 2: not a number or out of range", "u32: at char 2: not a number or out of range"],
  [4, "-A U -m u32 --u32 \"0=08\"", "u32: at char 3: expected \",\" or \"&&\"", "u32: at char 3: expected \",\" or \"&&\""],
  [4, "-A U -m u32", "u32: option \"--u32\" must be specified", "u32: option \"--u32\" must be specified"],
  [4, "-A U -m u32 --u32 \"0=1\" --u32 \"0=2\"", "u32: option \"--u32\" can only be used once.", "u32: option \"--u32\" can only be used once."],
  [4, "-A U -m u32 --u32 \"0=1&2\"", "u32: at char 4: a second '&' was expected", "u32: at char 4: a second '&' was expected"],
  [4, "-A U -m u32 --u32 \"0>1=1\"", "u32: at char 2: a second '>' was expected", "u32: at char 2: a second '>' was expected"],
  [4, "-A U -m u32 --u32 \"0=1&&=2\"", "u32: at char 5: location spec missing", "u32: at char 5: location spec missing"],
];

describe("u32 canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("u32 refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("u32 details", () => {
  test("parse and print", () => {
    const t = parseU32("0>>22&0x3C@12>>26&0x3C@0&0xFF=0x17");
    expect(t).toEqual([
      {
        location: [
          { number: 0 }, { op: ">>", number: 22 }, { op: "&", number: 0x3c }, { op: "@", number: 12 }, { op: ">>", number: 26 },
          { op: "&", number: 0x3c }, { op: "@", number: 0 }, { op: "&", number: 0xff },
        ],
        values: [{ min: 0x17, max: 0x17 }],
      },
    ]);
    expect(formatU32(t as Exclude<typeof t, string>)).toBe("0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0&0xff=0x17");
  });
  test("diagnostic position is the --u32 value", () => {
    const line = '-A U -m u32 --u32 "6<0xFF=1"';
    expect(diags(4, "filter", line)).toEqual([`error bad-value 3:${col(line, '"6<')}+10 u32: at char 2: a second '<' was expected`]);
  });
});

describe("u32 evaluation", () => {
  test("packet bytes are unknown", () => {
    expect(evalMatch(4, "filter", '-A U -m u32 ! --u32 "0&0xFFFF=0x100:0xFFFF"', packet())).toEqual({
      kind: "unknown",
      key: "!u32:0x0&0xffff=0x100:0xffff",
      assumption: "not: the packet's bytes satisfy the u32 tests 0x0&0xffff=0x100:0xffff",
    });
  });
});
