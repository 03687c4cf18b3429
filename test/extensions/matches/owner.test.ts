import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A OUTPUT -m owner --uid-owner root -j DROP", "-A OUTPUT -m owner --uid-owner 0 -j DROP"],
  [4, "filter", "-A OUTPUT -m owner --uid-owner 1000-1000 -j DROP", "-A OUTPUT -m owner --uid-owner 1000 -j DROP"],
  [4, "filter", "-A OUTPUT -m owner --gid-owner 10 --suppl-groups -j DROP", "-A OUTPUT -m owner --gid-owner 10 --suppl-groups -j DROP"],
  [4, "filter", "-A OUTPUT -m owner ! --socket-exists ! --gid-owner 5 ! --uid-owner 7 -j DROP", "-A OUTPUT -m owner ! --socket-exists ! --uid-owner 7 ! --gid-owner 5 -j DROP"],
  [4, "filter", "-A U -m owner --uid-owner 0 -j DROP", "-A U -m owner --uid-owner 0 -j DROP"],
  [4, "mangle", "-A POSTROUTING -m owner --uid-owner 0 -j ACCEPT", "-A POSTROUTING -m owner --uid-owner 0 -j ACCEPT"],
];

describe("owner canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("owner diagnostics", () => {
  test("options and chains", () => {
    expect(diags(4, "filter", "-A OUTPUT -m owner -j DROP")).toEqual([
      "error missing-option 3:11+8 owner: at least one of --uid-owner, --gid-owner or --socket-exists is required",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m owner --uid-owner 0 --suppl-groups -j DROP")).toEqual([
      "error missing-option 3:34+14 owner: --suppl-groups needs --gid-owner",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m owner --uid-owner 2000-1000 -j DROP")).toEqual([
      "error bad-value 3:32+9 owner: --uid-owner range 2000-1000 is inverted (the kernel refuses it)",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m owner --uid-owner 4294967295 -j DROP")).toEqual(["error bad-value 3:32+10 owner: bad value for --uid-owner: '4294967295'"]);
    expect(diags(4, "filter", "-A INPUT -m owner --uid-owner 0 -j DROP")).toEqual([
      "error bad-hook 3:10+8 -m owner is only valid in OUTPUT, POSTROUTING (the kernel refuses it in INPUT)",
    ]);
    expect(diags(4, "filter", "-A OUTPUT -m owner --uid-owner nobody -j DROP")).toEqual([
      "warning host-dependent 3:32+6 owner: user name 'nobody' is resolved on the host by iptables; iptlens keeps the name",
    ]);
  });
});

describe("owner evaluation", () => {
  const run = (line: string, p: Partial<Parameters<typeof packet>[0]>) => evalMatch(4, "filter", line, packet(p), env("filter", "OUTPUT"));
  test("uid/gid ranges and socket", () => {
    expect(run("-A OUTPUT -m owner --uid-owner 1000-2000", { uid: 1500, gid: 1 })).toBe(true);
    expect(run("-A OUTPUT -m owner ! --uid-owner 0", { uid: 0, gid: 0 })).toBe(false);
    expect(run("-A OUTPUT -m owner --socket-exists --gid-owner 5", { uid: 7, gid: 5 })).toBe(true);
    expect(run("-A OUTPUT -m owner --gid-owner 5 --suppl-groups", { uid: 7, gid: 6 })).toMatchObject({ kind: "unknown" });
  });
  test("no socket: only fully negated conditions hold", () => {
    expect(run("-A OUTPUT -m owner --uid-owner 0", {})).toBe(false);
    expect(run("-A OUTPUT -m owner ! --uid-owner 0", {})).toBe(true);
    expect(run("-A OUTPUT -m owner ! --socket-exists", {})).toBe(true);
    expect(run("-A OUTPUT -m owner ! --socket-exists --uid-owner 0", {})).toBe(false);
  });
});
