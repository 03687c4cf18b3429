import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A INPUT -m socket --restore-skmark --nowildcard --transparent -j ACCEPT", "-A INPUT -m socket --transparent --nowildcard --restore-skmark -j ACCEPT"],
  [4, "mangle", "-A PREROUTING -m socket -j ACCEPT", "-A PREROUTING -m socket -j ACCEPT"],
  [4, "mangle", "-A PREROUTING -m socket --transparent -j ACCEPT", "-A PREROUTING -m socket --transparent -j ACCEPT"],
];

describe("socket canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("socket diagnostics", () => {
  test("chains and negation", () => {
    expect(diags(4, "filter", "-A OUTPUT -m socket -j ACCEPT")).toEqual([
      "error bad-hook 3:11+9 -m socket is only valid in PREROUTING, INPUT (the kernel refuses it in OUTPUT)",
    ]);
    expect(diags(4, "filter", "-A U -m socket ! --transparent -j ACCEPT")).toEqual(["error bad-negation 3:16+1 socket: --transparent cannot be negated with !"]);
  });
});

describe("socket evaluation", () => {
  test("unknown: the node's sockets are not in the dump", () => {
    expect(evalMatch(4, "mangle", "-A PREROUTING -p tcp -m socket --transparent", packet(), env("mangle", "PREROUTING"))).toEqual({
      kind: "unknown",
      key: "socket transparent",
      assumption: "a local transparent socket matches the packet",
    });
  });
});
