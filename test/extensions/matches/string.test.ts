import { describe, expect, test } from "vitest";
import { canon, col, diags, evalMatch, packet, roundTrip } from "./helpers.js";
import { formatPattern, parseHexString } from "../../../src/extensions/matches/string.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m string --algo bm --string abc --from 0 --to 65535", "-A U -m string --string \"abc\" --algo bm"],
  [4, "-A U -m string --algo bm --string abc --icase", "-A U -m string --string \"abc\" --algo bm --icase"],
  [4, "-A U -m string --algo bm --string \"a\\\"b\"", "-A U -m string --string \"a\\\"b\" --algo bm"],
  [4, "-A U -m string --algo bm --string \"a\\\\b\"", "-A U -m string --string \"a\\\\b\" --algo bm"],
  [4, "-A U -m string --algo bm --string \"a\\\\\"", "-A U -m string --hex-string \"|615c|\" --algo bm"],
  [4, "-A U -m string --algo bm --string \"a'b\"", "-A U -m string --string \"a'b\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|414243|\"", "-A U -m string --string \"ABC\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|41 42 43|\"", "-A U -m string --string \"ABC\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"ab|0d0a|cd\"", "-A U -m string --hex-string \"|61620d0a6364|\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|00|\"", "-A U -m string --hex-string \"|00|\" --algo bm"],
  [4, "-A U -m string --algo bm ! --hex-string \"|0d 0a|\"", "-A U -m string ! --hex-string \"|0d0a|\" --algo bm"],
  [4, "-A U -m string --string abc --algo bm --icase --to 100 --from 3", "-A U -m string --string \"abc\" --algo bm --from 3 --to 100 --icase"],
  [4, "-A U -m string --algo kmp ! --string \"x\" --icase", "-A U -m string ! --string \"x\" --algo kmp --icase"],
  [4, "-A U -m string --algo bm --string é", "-A U -m string --hex-string \"|c3a9|\" --algo bm"],
  [4, "-A U -m string --algo bm --string \"a\tb\"", "-A U -m string --hex-string \"|610962|\" --algo bm"],
  [4, "-A U -m string --algo bm --string abc --to 0", "-A U -m string --string \"abc\" --algo bm --to 0"],
  [4, "-A U -m string --algo bm --string abc --from 5 --to 5", "-A U -m string --string \"abc\" --algo bm --from 5 --to 5"],
  [4, "-A U -m string --algo bm --string abc --from 0x10", "-A U -m string --string \"abc\" --algo bm --from 16"],
  [4, "-A U -m string --algo bm --string abc --to 010", "-A U -m string --string \"abc\" --algo bm --to 8"],
  [4, "-A U -m string --algo bm --string aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "-A U -m string --string \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|41|  |42|\"", "-A U -m string --string \"A  B\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"| 41|\"", "-A U -m string --string \"A\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|41 |\"", "-A U -m string --string \"A\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|41||42|\"", "-A U -m string --string \"A|42\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"\\\\x\"", "-A U -m string --string \"x\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|7e7f|\"", "-A U -m string --hex-string \"|7e7f|\" --algo bm"],
  [4, "-A U -m string --algo bm --hex-string \"|20|\"", "-A U -m string --string \" \" --algo bm"],
  [4, "-A U -m string --algo bm --string \" \"", "-A U -m string --string \" \" --algo bm"],
  [4, "-A U -m string --algo bm --string %", "-A U -m string --string \"%\" --algo bm"],
  [4, "-A U -m string --string \"GET /admin\" --algo bm --to 100 -j DROP", "-A U -m string --string \"GET /admin\" --algo bm --to 100 -j DROP"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m string --string abc", "string: option \"--algo\" must be specified", "string: option \"--algo\" must be specified"],
  [4, "-A U -m string --algo bm", "STRING match: You must specify `--string' or `--hex-string'", "STRING match: You must specify `--string' or `--hex-string'"],
  [4, "-A U -m string --algo foo --string abc", "RULE_APPEND failed (No such file or directory)", "string: unknown --algo 'foo': the kernel has bm and kmp (it refuses others: No such file or directory)"],
  [4, "-A U -m string --algo BM --string abc", "RULE_APPEND failed (No such file or directory)", "string: unknown --algo 'BM': the kernel has bm and kmp (it refuses others: No such file or directory)"],
  [4, "-A U -m string --algo bm --string abc --from 10 --to 5", "RULE_APPEND failed (Invalid argument)", "string: --from 10 is beyond --to 5 (the kernel refuses it: Invalid argument)"],
  [4, "-A U -m string --algo bm --string abc --from 0x10 --to 010", "RULE_APPEND failed (Invalid argument)", "string: --from 16 is beyond --to 8 (the kernel refuses it: Invalid argument)"],
  [4, "-A U -m string --algo bm --string abc --from 70000", "string: bad value for option \"--from\", or out of range (0-65535).", "string: bad value for option \"--from\", or out of range (0-65535)."],
  [4, "-A U -m string --algo bm --hex-string \"|4|\"", "Invalid hex block", "Invalid hex block"],
  [4, "-A U -m string --algo bm --hex-string \"|4g|\"", "Invalid hex char 'g'", "Invalid hex char 'g'"],
  [4, "-A U -m string --algo bm --hex-string \"a\\|b\"", "Odd number of hex digits", "Odd number of hex digits"],
  [4, "-A U -m string --algo bm --string abc --hex-string \"|41|\"", "string: option \"--string\" cannot be used together with \"--hex-string\".", "string: option \"--string\" cannot be used together with \"--hex-string\"."],
  [4, "-A U -m string --algo bm --string abc --string def", "string: option \"--string\" can only be used once.", "string: option \"--string\" can only be used once."],
  [4, "-A U -m string --algo bm --string \"\"", "RULE_APPEND failed (Invalid argument)", "string: an empty --string is refused by the kernel (Invalid argument)"],
  [4, "-A U -m string --algo bm --hex-string \"\"", "STRING must contain at least one char", "STRING must contain at least one char"],
  [4, "-A U -m string --algo bm --string abc --algo kmp", "string: option \"--algo\" can only be used once.", "string: option \"--algo\" can only be used once."],
  [4, "-A U -m string --algo bm --string aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "STRING too long \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "STRING too long \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""],
  [4, "-A U -m string --algo abcdefghijklmnopq --string abc", "RULE_APPEND failed (No such file or directory)", "string: unknown --algo 'abcdefghijklmnopq': the kernel has bm and kmp (it refuses others: No such file or directory)"],
  [4, "-A U -m string --algo bm --hex-string \"x|41\"", "Invalid hex block", "Invalid hex block"],
  [4, "-A U -m string --algo bm --hex-string \"|41\"", "Invalid hex block", "Invalid hex block"],
  [4, "-A U -m string --algo bm --string abc --from -1", "string: bad value for option \"--from\", or out of range (0-65535).", "string: bad value for option \"--from\", or out of range (0-65535)."],
  [4, "-A U -m string --algo bm --string abc --from \"\"", "string: bad value for option \"--from\", or out of range (0-65535).", "string: bad value for option \"--from\", or out of range (0-65535)."],
  [4, "-A U -m string --algo bm --string abc --icase --icase", "string: option \"--icase\" can only be used once.", "string: option \"--icase\" can only be used once."],
];

describe("string canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("string refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("string details", () => {
  test("hex-string parser quirks", () => {
    expect(parseHexString("|41||42|")).toEqual([0x41, 0x7c, 0x34, 0x32]);
    expect(parseHexString("a|b")).toBe("Odd number of hex digits");
    expect(parseHexString("a\\|b")).toEqual([0x61, 0x7c, 0x62]);
    expect(formatPattern([0x61, 0x5c])).toBe('--hex-string "|615c|"');
    expect(formatPattern([0x61, 0x22, 0x5c, 0x62])).toBe('--string "a\\"\\\\b"');
  });
  test("diagnostic positions", () => {
    const line = "-A U -m string --algo bm --string abc --from 10 --to 5";
    expect(diags(4, "filter", line)).toEqual([
      `error bad-value 3:${col(line, "--from")}+6 string: --from 10 is beyond --to 5 (the kernel refuses it: Invalid argument)`,
    ]);
    const l2 = "-A U -m string --algo bm --hex-string |4g|";
    expect(diags(4, "filter", l2)).toEqual([`error bad-value 3:${col(l2, "|4g|")}+4 Invalid hex char 'g'`]);
  });
});

describe("string evaluation", () => {
  test("the payload is unknown; the key carries the pattern and the negation", () => {
    expect(evalMatch(4, "filter", '-A U -m string --algo bm --string "GET /" --to 100', packet())).toEqual({
      kind: "unknown",
      key: 'string:"GET /" 0-100',
      assumption: 'the packet contains "GET /" between offsets 0 and 100',
    });
    expect(evalMatch(4, "filter", "-A U -m string --algo kmp ! --hex-string |00| --icase", packet())).toEqual({
      kind: "unknown",
      key: '!string:"|00|" icase',
      assumption: 'not: the packet contains "|00|" (ignoring case)',
    });
  });
});
