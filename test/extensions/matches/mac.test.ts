import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m mac ! --mac-source AA:BB:CC:DD:EE:0F -j DROP", "-A U -m mac ! --mac-source aa:bb:cc:dd:ee:0f -j DROP"],
  [4, "filter", "-A U -m mac --mac-source a:b:c:d:e:f -j DROP", "-A U -m mac --mac-source 0a:0b:0c:0d:0e:0f -j DROP"],
  [4, "mangle", "-A PREROUTING -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT", "-A PREROUTING -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT"],
];

describe("mac canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("mac diagnostics", () => {
  test("address and chain", () => {
    expect(diags(4, "filter", "-A U -m mac --mac-source aa-bb-cc-dd-ee-ff -j DROP")).toEqual([
      "error bad-value 3:26+17 mac: invalid MAC address 'aa-bb-cc-dd-ee-ff' specified (expected XX:XX:XX:XX:XX:XX)",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m mac --mac-source aa:bb:cc:dd:ee:ff -j DROP")).toEqual([
      "error bad-hook 3:11+6 -m mac is only valid in PREROUTING, INPUT, FORWARD (the kernel refuses it in OUTPUT)",
    ]);
  });
});

describe("mac evaluation", () => {
  test("unknown: packets carry no MAC address", () => {
    expect(evalMatch(4, "filter", "-A U -m mac ! --mac-source AA:BB:CC:DD:EE:0F", packet())).toEqual({
      kind: "unknown",
      key: "!mac:aa:bb:cc:dd:ee:0f",
      assumption: "not: the packet's source MAC address is aa:bb:cc:dd:ee:0f",
    });
  });
});
