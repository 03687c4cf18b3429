import { describe, expect, test } from "vitest";
import { formatRate, parseRate } from "../../../src/extensions/matches/limit.js";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m limit -j DROP", "-A U -m limit --limit 3/hour -j DROP"],
  [4, "filter", "-A U -m limit --limit 5/minute -j DROP", "-A U -m limit --limit 5/min -j DROP"],
  [4, "filter", "-A U -m limit --limit 1/s -j DROP", "-A U -m limit --limit 1/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 100/h -j DROP", "-A U -m limit --limit 100/hour -j DROP"],
  [4, "filter", "-A U -m limit --limit 1/d -j DROP", "-A U -m limit --limit 1/day -j DROP"],
  [4, "filter", "-A U -m limit --limit 60/min -j DROP", "-A U -m limit --limit 1/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 24/day -j DROP", "-A U -m limit --limit 1/hour -j DROP"],
  [4, "filter", "-A U -m limit --limit 7 -j DROP", "-A U -m limit --limit 7/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 3/hour --limit-burst 5 -j DROP", "-A U -m limit --limit 3/hour -j DROP"],
  [4, "filter", "-A U -m limit --limit-burst 10 -j DROP", "-A U -m limit --limit 3/hour --limit-burst 10 -j DROP"],
  [4, "filter", "-A U -m limit --limit 5/mi -j DROP", "-A U -m limit --limit 5/min -j DROP"],
  [4, "filter", "-A U -m limit --limit 3000/min -j DROP", "-A U -m limit --limit 50/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 5abc/s -j DROP", "-A U -m limit --limit 5/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 1.5/s -j DROP", "-A U -m limit --limit 1/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 7000/s -j DROP", "-A U -m limit --limit 10000/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit 86399/day -j DROP", "-A U -m limit --limit 1/sec -j DROP"],
  [4, "filter", "-A U -m limit --limit-burst 0x10 -j DROP", "-A U -m limit --limit 3/hour --limit-burst 16 -j DROP"],
];

describe("limit canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("limit rate arithmetic (libxt_limit parse_rate / print_rate)", () => {
  test.each([
    ["3/hour", 12000000, "3/hour"],
    ["60/min", 10000, "1/sec"],
    ["3000/min", 200, "50/sec"],
    ["7000/s", 1, "10000/sec"],
    ["13/day", 66461538, "13/day"],
  ])("%s", (text, avg, printed) => {
    expect(parseRate(text)).toBe(avg);
    expect(formatRate(avg)).toBe(printed);
  });
});

describe("limit diagnostics", () => {
  test("rates and bursts", () => {
    expect(diags(4, "filter", "-A U -m limit --limit 10001/s -j DROP")).toEqual([`error bad-value 3:23+7 limit: rate too fast "10001/s" (at most 10000/second)`]);
    expect(diags(4, "filter", "-A U -m limit --limit 0/s -j DROP")).toEqual([`error bad-value 3:23+3 limit: bad rate "0/s"`]);
    expect(diags(4, "filter", "-A U -m limit --limit 5/week -j DROP")).toEqual([
      `error bad-value 3:23+6 limit: bad rate "5/week" (unit must be /second, /minute, /hour or /day)`,
    ]);
    expect(diags(4, "filter", "-A U -m limit ! --limit 1/s -j DROP")).toEqual(["error bad-negation 3:15+1 limit: --limit cannot be negated with !"]);
    expect(diags(4, "filter", "-A U -m limit --limit-burst 10001 -j DROP")).toEqual([
      "error bad-value 3:29+5 limit: bad value for option --limit-burst, or out of range (0-10000): '10001'",
    ]);
    expect(diags(4, "filter", "-A U -m limit --limit-burst 0 -j DROP")).toEqual([
      "warning bad-value 3:29+1 limit: --limit-burst 0 is refused by the legacy kernel; iptables-nft keeps the default burst 5",
    ]);
  });
});

describe("limit evaluation", () => {
  test("unknown, keyed by the printed rate", () => {
    expect(evalMatch(4, "filter", "-A U -m limit --limit 60/min --limit-burst 10", packet())).toEqual({
      kind: "unknown",
      key: "limit:1/sec burst 10",
      assumption: "the packet rate is within 1/sec (burst 10)",
    });
  });
});
