import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m cgroup --cgroup 1", "-A U -m cgroup --cgroup 1"],
  [4, "-A U -m cgroup ! --cgroup 0x10", "-A U -m cgroup ! --cgroup 16"],
  [4, "-A U -m cgroup --path /", "-A U -m cgroup --path \"/\""],
  [4, "-A U -m cgroup --cgroup 0", "-A U -m cgroup --cgroup 0"],
  [4, "-A U -m cgroup --path \"\"", "-A U -m cgroup --path \"\""],
  [4, "-A U -m cgroup ! --cgroup 1", "-A U -m cgroup ! --cgroup 1"],
  [4, "-A U -m cgroup ! --path /", "-A U -m cgroup ! --path \"/\""],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m cgroup", "RULE_APPEND failed (Invalid argument)", "cgroup: one of --path or --cgroup is required (the kernel refuses the match without one: Invalid argument)"],
  [4, "-A U -m cgroup --cgroup 1 --path /", "RULE_APPEND failed (Invalid argument)", "cgroup: --path and --cgroup cannot be used together (the kernel refuses it: Invalid argument)"],
  [4, "-A U -m cgroup --cgroup 4294967296", "cgroup: bad value for option \"--cgroup\", or out of range (0-4294967295).", "cgroup: bad value for option \"--cgroup\", or out of range (0-4294967295)."],
  [4, "-A U -m cgroup --cgroup abc", "cgroup: bad value for option \"--cgroup\", or out of range (0-4294967295).", "cgroup: bad value for option \"--cgroup\", or out of range (0-4294967295)."],
  [4, "-A U -m cgroup --cgroup 1 --cgroup 2", "cgroup: option \"--cgroup\" can only be used once.", "cgroup: option \"--cgroup\" can only be used once."],
];

describe("cgroup canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("cgroup refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("cgroup evaluation", () => {
  test("no socket: false whatever the negation; with one: unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m cgroup ! --cgroup 1", packet())).toBe(false);
    expect(evalMatch(4, "filter", "-A U -m cgroup --path /", packet({ uid: 0 }))).toEqual({
      kind: "unknown",
      key: "cgroup:path /",
      assumption: "the sending socket belongs to cgroup /",
    });
  });
});
