import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m rpfilter -j DROP", "-A PREROUTING -m rpfilter -j DROP"],
  [4, "mangle", "-A PREROUTING -m rpfilter --invert -j DROP", "-A PREROUTING -m rpfilter --invert -j DROP"],
  [4, "mangle", "-A PREROUTING -m rpfilter --validmark --invert -j DROP", "-A PREROUTING -m rpfilter --validmark --invert -j DROP"],
  [4, "mangle", "-A PREROUTING -m rpfilter --invert --accept-local --loose --validmark -j DROP", "-A PREROUTING -m rpfilter --loose --validmark --accept-local --invert -j DROP"],
  [6, "mangle", "-A PREROUTING -m rpfilter --loose -j DROP", "-A PREROUTING -m rpfilter --loose -j DROP"],
  [4, "raw", "-A PREROUTING -m rpfilter -j DROP", "-A PREROUTING -m rpfilter -j DROP"],
];

describe("rpfilter canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("rpfilter diagnostics", () => {
  test("tables and chains", () => {
    expect(diags(4, "mangle", "-A FORWARD -m rpfilter -j DROP")).toEqual([
      "error bad-hook 3:12+11 -m rpfilter is only valid in PREROUTING (the kernel refuses it in FORWARD)",
    ]);
    expect(diags(4, "filter", "-A INPUT -m rpfilter -j DROP")).toEqual([
      "error bad-table 3:10+11 -m rpfilter is only valid in the raw and mangle tables (the kernel refuses it in filter)",
    ]);
    expect(diags(4, "raw", "-A PREROUTING -m rpfilter ! --loose -j DROP")).toEqual(["error bad-negation 3:27+1 rpfilter: --loose cannot be negated with !"]);
  });
});

describe("rpfilter evaluation", () => {
  const run = (line: string, p = packet({ inIface: "eth0" })) => evalMatch(4, "raw", line, p, env("raw", "PREROUTING"));
  test("the route lookup is an assumption; loopback passes", () => {
    expect(run("-A PREROUTING -m rpfilter --invert")).toEqual({
      kind: "unknown",
      key: "!rpfilter",
      assumption: "not: a route back to the source exists through eth0 (reverse path check passes)",
    });
    expect(run("-A PREROUTING -m rpfilter --loose")).toMatchObject({ kind: "unknown", key: "rpfilter loose" });
    expect(run("-A PREROUTING -m rpfilter --invert", packet({ inIface: "lo" }))).toBe(false);
  });
});
