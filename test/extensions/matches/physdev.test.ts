import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A FORWARD -m physdev --physdev-is-bridged --physdev-is-out --physdev-is-in --physdev-out b --physdev-in a -j ACCEPT", "-A FORWARD -m physdev --physdev-is-in --physdev-in a --physdev-is-out --physdev-out b --physdev-is-bridged -j ACCEPT"],
  [4, "filter", "-A FORWARD -m physdev ! --physdev-is-bridged ! --physdev-is-out ! --physdev-is-in ! --physdev-out b ! --physdev-in a -j ACCEPT", "-A FORWARD -m physdev ! --physdev-is-in ! --physdev-in a ! --physdev-is-out ! --physdev-out b ! --physdev-is-bridged -j ACCEPT"],
  [4, "filter", "-A FORWARD -m physdev --physdev-in \"a b\" -j ACCEPT", "-A FORWARD -m physdev --physdev-in a b -j ACCEPT"],
  [4, "filter", "-A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT", "-A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT"],
  [4, "mangle", "-A FORWARD -m physdev --physdev-out eth0 -j ACCEPT", "-A FORWARD -m physdev --physdev-out eth0 -j ACCEPT"],
];

describe("physdev canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("physdev diagnostics", () => {
  test("options and placement", () => {
    expect(diags(4, "filter", "-A FORWARD -m physdev -j ACCEPT")).toEqual(["error missing-option 3:12+10 physdev: no physdev option specified"]);
    expect(diags(4, "filter", "-A FORWARD -m physdev --physdev-in 0123456789abcdef -j ACCEPT")).toEqual([
      "error bad-value 3:36+16 physdev: interface name '0123456789abcdef' must be shorter than IFNAMSIZ (15)",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT")).toEqual([
      "error bad-hook 3:22+13 physdev: --physdev-out and --physdev-is-out are only supported in OUTPUT together with --physdev-is-bridged (the kernel refuses it)",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT")).toEqual([]);
  });
});

describe("physdev evaluation", () => {
  const run = (line: string, p: ReturnType<typeof packet>) => evalMatch(4, "filter", line, p, env("filter", "FORWARD"));
  const bridged = packet({ physIn: "veth1", physOut: "veth2", bridged: true });
  const routedFromBridge = packet({ physIn: "veth1", bridged: false });
  const plain = packet();
  test("names and wildcards", () => {
    expect(run("-A FORWARD -m physdev --physdev-in veth1", bridged)).toBe(true);
    expect(run("-A FORWARD -m physdev --physdev-in veth+", bridged)).toBe(true);
    expect(run("-A FORWARD -m physdev ! --physdev-in veth+", bridged)).toBe(false);
    expect(run("-A FORWARD -m physdev --physdev-out veth1", bridged)).toBe(false);
    expect(run("-A FORWARD -m physdev --physdev-in eth0", bridged)).toBe(false);
  });
  test("is-bridged / is-in / is-out", () => {
    expect(run("-A FORWARD -m physdev --physdev-is-bridged", bridged)).toBe(true);
    expect(run("-A FORWARD -m physdev --physdev-is-bridged", routedFromBridge)).toBe(false);
    expect(run("-A FORWARD -m physdev ! --physdev-is-bridged", routedFromBridge)).toBe(true);
    expect(run("-A FORWARD -m physdev --physdev-is-in ! --physdev-is-out", routedFromBridge)).toBe(true);
  });
  test("without bridge information only negated options hold", () => {
    expect(run("-A FORWARD -m physdev ! --physdev-is-bridged", plain)).toBe(true);
    expect(run("-A FORWARD -m physdev ! --physdev-in veth1 ! --physdev-is-in", plain)).toBe(true);
    expect(run("-A FORWARD -m physdev ! --physdev-in veth1 --physdev-is-in", plain)).toBe(false);
  });
});
