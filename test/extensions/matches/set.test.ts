import { describe, expect, test } from "vitest";
import { canon, col, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m set --match-set S1 src -j DROP", "-A U -m set --match-set S1 src -j DROP"],
  [4, "filter", "-A U -m set ! --match-set S1 dst -j DROP", "-A U -m set ! --match-set S1 dst -j DROP"],
  [4, "filter", "-A U -m set --match-set S2 dst,dst -j DROP", "-A U -m set --match-set S2 dst,dst -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src --return-nomatch -j DROP", "-A U -m set --match-set S1 src --return-nomatch -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src ! --update-counters -j DROP", "-A U -m set --match-set S1 src ! --update-counters -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src --update-counters -j DROP", "-A U -m set --match-set S1 src -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src ! --packets-eq 5 -j DROP", "-A U -m set --match-set S1 src ! --packets-eq 5 -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src --bytes-lt 5 --packets-gt 1 -j DROP", "-A U -m set --match-set S1 src --packets-gt 1 --bytes-lt 5 -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src -m set --match-set S2 src,dst -j DROP", "-A U -m set --match-set S1 src -m set --match-set S2 src,dst -j DROP"],
  [4, "filter", "-A U -m set --set S1 src -j DROP", "-A U -m set --match-set S1 src -j DROP"],
  [4, "filter", "-A U -m set --bytes-lt 5 --return-nomatch ! --update-subcounters ! --update-counters --match-set S1 src -j DROP", "-A U -m set --match-set S1 src --return-nomatch ! --update-counters ! --update-subcounters --bytes-lt 5 -j DROP"],
  [4, "filter", "-A U -m set --match-set S1 src --packets-eq 0 -j DROP", "-A U -m set --match-set S1 src --packets-eq 0 -j DROP"],
];

describe("set canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("set diagnostics", () => {
  test("flags and counters", () => {
    expect(diags(4, "filter", "-A U -m set --match-set S1 foo -j DROP")).toEqual([
      "error bad-value 3:28+3 set: you must specify (the comma separated list of) 'src' or 'dst', not 'foo'",
    ]);
    expect(diags(4, "filter", "-A U -m set --match-set S1 src,dst,src,dst,src,dst,src -j DROP")).toEqual([
      "error bad-value 3:28+27 set: can't be more src/dst options than 6",
    ]);
    const neg = "-A U -m set --match-set S1 src ! --bytes-gt 5 -j DROP";
    expect(diags(4, "filter", neg)).toEqual([`error bad-negation 3:${col(neg, "!")}+1 set: --bytes-gt cannot be negated with !`]);
    const two = "-A U -m set --match-set S1 src --packets-eq 1 --packets-lt 3 -j DROP";
    expect(diags(4, "filter", two)).toEqual([
      `error conflicting-options 3:${col(two, "--packets-lt")}+12 set: only one of the --packets-[eq|lt|gt] is allowed`,
    ]);
    const again = "-A U -m set --match-set S1 src --match-set S2 src,dst -j DROP";
    expect(diags(4, "filter", again)).toEqual([
      `error repeated-option 3:${col(again, "--match-set", 20)}+11 set: option --match-set given more than once`,
    ]);
    expect(diags(4, "filter", "-A U -m set -j DROP")).toEqual(["error missing-option 3:6+6 set: you must specify --match-set with proper arguments"]);
    expect(diags(4, "filter", `-A U -m set --match-set ${"s".repeat(32)} src -j DROP`)).toEqual([
      `error bad-value 3:25+32 set: setname '${"s".repeat(32)}' too long, max 31 characters`,
    ]);
  });
});

describe("set evaluation", () => {
  test("membership is unknown, keyed by the set name", () => {
    const run = (line: string) => evalMatch(4, "filter", line, packet());
    expect(run("-A U -m set --match-set KUBE-NODE-PORT src,dst")).toEqual({
      kind: "unknown",
      key: "set:KUBE-NODE-PORT",
      assumption: "the packet's src,dst is in ipset KUBE-NODE-PORT",
    });
    expect(run("-A U -m set ! --match-set S1 dst --packets-gt 3")).toEqual({
      kind: "unknown",
      key: "!set:S1",
      assumption: "not: the packet's dst is in ipset S1 with counters --packets-gt 3",
    });
  });
});
