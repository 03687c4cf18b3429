import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m iprange --src-range 10.0.0.1-10.0.0.5 -j DROP", "-A U -m iprange --src-range 10.0.0.1-10.0.0.5 -j DROP"],
  [4, "filter", "-A U -m iprange --dst-range 10.0.0.9-10.0.0.5 -j DROP", "-A U -m iprange --dst-range 10.0.0.9-10.0.0.5 -j DROP"],
  [4, "filter", "-A U -m iprange --src-range 10.0.0.1 -j DROP", "-A U -m iprange --src-range 10.0.0.1-10.0.0.1 -j DROP"],
  [4, "filter", "-A U -m iprange --dst-range 10.0.0.1-10.0.0.5 --src-range 1.1.1.1-1.1.1.2 -j DROP", "-A U -m iprange --src-range 1.1.1.1-1.1.1.2 --dst-range 10.0.0.1-10.0.0.5 -j DROP"],
  [4, "filter", "-A U -m iprange --src-range 10.0.0.01-10.0.0.5 -j DROP", "-A U -m iprange --src-range 10.0.0.1-10.0.0.5 -j DROP"],
  [6, "filter", "-A U -m iprange --src-range 2001:db8::1-2001:db8::ff -j DROP", "-A U -m iprange --src-range 2001:db8::1-2001:db8::ff -j DROP"],
];

describe("iprange canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("iprange diagnostics", () => {
  test("values", () => {
    expect(diags(4, "filter", "-A U -m iprange -j DROP")).toEqual(["error missing-option 3:6+10 iprange match: you must specify --src-range or --dst-range"]);
    expect(diags(4, "filter", "-A U -m iprange --src-range 10.0.0.1-foo -j DROP")).toEqual([
      `error bad-value 3:29+12 iprange: bad value for "--src-range" option: "foo" (not an IPv4 address)`,
    ]);
    expect(diags(4, "filter", "-A U -m iprange --src-range 10.0.0.1-::1 -j DROP")[0]).toMatch(/"::1" \(not an IPv4 address\)/);
  });
});

describe("iprange evaluation", () => {
  const run = (line: string, p: Partial<Parameters<typeof packet>[0]> = {}) => evalMatch(4, "filter", line, packet(p));
  test("inclusive ranges, negation, inverted ranges", () => {
    expect(run("-A U -m iprange --src-range 10.0.0.1-10.0.0.5")).toBe(true);
    expect(run("-A U -m iprange --src-range 10.0.0.2-10.0.0.5")).toBe(false);
    expect(run("-A U -m iprange ! --dst-range 10.0.0.1-10.0.0.5")).toBe(false);
    expect(run("-A U -m iprange --dst-range 10.0.0.9-10.0.0.1")).toBe(false);
    expect(run("-A U -m iprange --src-range 10.0.0.1 --dst-range 10.0.0.2")).toBe(true);
  });
});
