import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m tos --tos 0x10 -j DROP", "-A PREROUTING -m tos --tos 0x10/0xff -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos --tos Minimize-Delay -j DROP", "-A PREROUTING -m tos --tos 0x10/0x3f -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos ! --tos 0x10/0x3f -j DROP", "-A PREROUTING -m tos ! --tos 0x10/0x3f -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos --tos 16 -j DROP", "-A PREROUTING -m tos --tos 0x10/0xff -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos --tos Maximize-Throughput -j DROP", "-A PREROUTING -m tos --tos 0x08/0x3f -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos --tos minimize-cost -j DROP", "-A PREROUTING -m tos --tos 0x02/0x3f -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos --tos Normal-Service -j DROP", "-A PREROUTING -m tos --tos 0x00/0x3f -j DROP"],
  [4, "mangle", "-A PREROUTING -m tos --tos 0x3/0xf -j DROP", "-A PREROUTING -m tos --tos 0x03/0x0f -j DROP"],
  [6, "mangle", "-A PREROUTING -m tos --tos 0x10 -j DROP", "-A PREROUTING -m tos --tos 0x10/0xff -j DROP"],
];

describe("tos canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("tos", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m tos --tos 0x100 -j DROP")).toEqual([
      "error bad-value 3:19+5 tos: '0x100' is neither a TOS name nor value[/mask] (0-0xff)",
    ]);
    expect(diags(4, "mangle", "-A U -m tos --tos Min -j DROP")).toEqual(["error bad-value 3:19+3 tos: 'Min' is neither a TOS name nor value[/mask] (0-0xff)"]);
  });
  test("evaluation", () => {
    expect(evalMatch(4, "mangle", "-A U -m tos ! --tos Minimize-Delay", packet())).toEqual({
      kind: "unknown",
      key: "!tos 0x10/0x3f",
      assumption: "not: the packet's TOS byte matches 0x10/0x3f",
    });
  });
});
