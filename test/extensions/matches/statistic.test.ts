import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { formatProbability, parseCDouble, probabilityToFixed } from "../../../src/extensions/matches/statistic.js";
import { canon, diags, env, evalMatch, matchOf, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m statistic --mode random --probability 0.5 -j ACCEPT", "-A U -m statistic --mode random --probability 0.50000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.33333333349 -j ACCEPT", "-A U -m statistic --mode random --probability 0.33333333349 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.3333333333 -j ACCEPT", "-A U -m statistic --mode random --probability 0.33333333349 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.33333 -j ACCEPT", "-A U -m statistic --mode random --probability 0.33332999982 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.1 -j ACCEPT", "-A U -m statistic --mode random --probability 0.10000000009 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 1.0 -j ACCEPT", "-A U -m statistic --mode random --probability 1.00000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0 -j ACCEPT", "-A U -m statistic --mode random --probability 0.00000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.0000000003 -j ACCEPT", "-A U -m statistic --mode random --probability 0.00000000047 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.99999999999 -j ACCEPT", "-A U -m statistic --mode random --probability 1.00000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 1e-1 -j ACCEPT", "-A U -m statistic --mode random --probability 0.10000000009 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability .5 -j ACCEPT", "-A U -m statistic --mode random --probability 0.50000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0x0.8 -j ACCEPT", "-A U -m statistic --mode random --probability 0.50000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random ! --probability 0.5 -j ACCEPT", "-A U -m statistic --mode random ! --probability 0.50000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --probability 0.5 --mode random -j ACCEPT", "-A U -m statistic --mode random --probability 0.50000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode nth --every 3 --packet 0 -j ACCEPT", "-A U -m statistic --mode nth --every 3 --packet 0 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode nth ! --every 3 --packet 1 -j ACCEPT", "-A U -m statistic --mode nth ! --every 3 --packet 1 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.000244140625 -j ACCEPT", "-A U -m statistic --mode random --probability 0.00024414062 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.000732421875 -j ACCEPT", "-A U -m statistic --mode random --probability 0.00073242188 -j ACCEPT"],
  [6, "filter", "-A U -m statistic --mode random --probability 0.2 -j DROP", "-A U -m statistic --mode random --probability 0.20000000019 -j DROP"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.0 -j ACCEPT", "-A U -m statistic --mode random --probability 0.00000000000 -j ACCEPT"],
  [4, "filter", "-A U -m statistic --mode random --probability 0.2000000000 -j ACCEPT", "-A U -m statistic --mode random --probability 0.20000000019 -j ACCEPT"],
];

describe("statistic canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("statistic fixed-point probability (lround(2^31 p), printed %.11f)", () => {
  test.each([
    ["0.5", 0x40000000, "0.50000000000"],
    ["0.33333333349", 715827883, "0.33333333349"],
    ["0.3333333333", 715827883, "0.33333333349"],
    ["0.33333", 715820724, "0.33332999982"],
    ["0.1", 214748365, "0.10000000009"],
    ["1.0", 0x80000000, "1.00000000000"],
    ["0.0", 0, "0.00000000000"],
    ["0.000244140625", 524288, "0.00024414062"],
  ])("%s", (text, fixed, printed) => {
    const p = parseCDouble(text)!;
    expect(probabilityToFixed(p)).toBe(fixed);
    expect(formatProbability(fixed)).toBe(printed);
  });
  test("the node keeps the written text and the quantized value", () => {
    const m = matchOf(4, "nat", "-A KUBE-SVC-X -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A");
    expect(m).toMatchObject({ module: "statistic", mode: "random", negated: false, random: { text: "0.3333333333", fixed: 715827883 } });
    if (m.kind === "match" && m.module === "statistic") expect(m.random!.probability).toBe(715827883 / 2 ** 31);
  });
  test("printing is a fixpoint on every stored value's print", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x80000000 }), (fixed) => {
        const printed = formatProbability(fixed);
        return probabilityToFixed(parseCDouble(printed)!) === fixed;
      }),
    );
  });
});

describe("statistic diagnostics", () => {
  test("random mode", () => {
    expect(diags(4, "filter", "-A U -m statistic --mode random --probability 1.5 -j ACCEPT")).toEqual([
      `error bad-value 3:47+3 statistic: bad value for option "--probability", or out of range (0-1): '1.5'`,
    ]);
    expect(diags(4, "filter", "-A U -m statistic --mode random -j ACCEPT")).toEqual([
      "error missing-option 3:19+6 statistic: --probability must be specified when using random mode",
    ]);
    expect(diags(4, "filter", "-A U -m statistic --probability 0.5 -j ACCEPT")).toEqual(["error missing-option 3:6+12 statistic: option --mode must be specified"]);
    expect(diags(4, "filter", "-A U -m statistic ! --mode random --probability 0.5 -j ACCEPT")).toEqual([
      "error bad-negation 3:19+1 statistic: --mode cannot be negated with !",
    ]);
    expect(diags(4, "filter", "-A U -m statistic --mode foo -j ACCEPT")).toEqual([`error bad-value 3:26+3 statistic: bad mode "foo" (expected random or nth)`]);
  });
  test("nth mode", () => {
    expect(diags(4, "filter", "-A U -m statistic --mode nth --every 3 -j ACCEPT")).toEqual([
      "error missing-option 3:30+7 statistic: option --every also requires --packet",
    ]);
    expect(diags(4, "filter", "-A U -m statistic --mode nth --every 3 --packet 3 -j ACCEPT")).toEqual([
      "error bad-value 3:49+1 statistic: the --packet p must be 0 <= p <= n-1 (here n is 3)",
    ]);
    expect(diags(4, "filter", "-A U -m statistic --mode nth --every 0 --packet 0 -j ACCEPT")).toEqual([
      `error bad-value 3:38+1 statistic: bad value for option "--every", or out of range (1-4294967295): '0'`,
    ]);
  });
});

describe("statistic evaluation", () => {
  const run = (line: string) => evalMatch(4, "nat", line, packet(), env("nat", "PREROUTING"));
  test("random uses the quantized probability", () => {
    expect(run("-A U -m statistic --mode random --probability 0.1")).toEqual({ kind: "random", probability: 214748365 / 2 ** 31 });
    expect(run("-A U -m statistic --mode random ! --probability 0.5")).toEqual({ kind: "random", probability: 0.5 });
    expect(run("-A U -m statistic --mode random --probability 1")).toEqual({ kind: "random", probability: 1 });
  });
  test("nth is taken as 1/every (deviation)", () => {
    expect(run("-A U -m statistic --mode nth --every 4 --packet 0")).toEqual({ kind: "random", probability: 0.25 });
    expect(run("-A U -m statistic --mode nth ! --every 4 --packet 1")).toEqual({ kind: "random", probability: 0.75 });
  });
});
