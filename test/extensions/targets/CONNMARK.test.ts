import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";
import type { Packet } from "../../../src/net/packet.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0x1", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0x1/0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xf1"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-xmark 0x1", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xf0"],
  ["mangle", "-A PREROUTING -j CONNMARK --and-mark 0xff", "-A PREROUTING -j CONNMARK --set-xmark 0x0/0xffffff00"],
  ["mangle", "-A PREROUTING -j CONNMARK --or-mark 0xff", "-A PREROUTING -j CONNMARK --set-xmark 0xff/0xff"],
  ["mangle", "-A PREROUTING -j CONNMARK --xor-mark 0xff", "-A PREROUTING -j CONNMARK --set-xmark 0xff/0x0"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0", "-A PREROUTING -j CONNMARK --set-xmark 0x0/0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --mask 0xff", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --ctmask 0xff", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xff"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --mask 0xffffffff", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --restore-mark", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --restore-mark --mask 0xff", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff"],
  ["mangle", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xf", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xf"],
  ["mangle", "-A PREROUTING -j CONNMARK --restore-mark --ctmask 0xf", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xf"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 1 --mask 0xff", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xff"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0x100 --mask 0xff", "-A PREROUTING -j CONNMARK --set-xmark 0x100/0xff"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0x1/0xf --mask 0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xf0"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-xmark 0x1 --mask 0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xf0"],
  ["mangle", "-A PREROUTING -j CONNMARK --and-mark 0x1 --mask 0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x0/0xf0"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0x1 --nfmask 0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 0x1 --ctmask 0xf0", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xf0"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 2", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --left-shift-mark 2"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --right-shift-mark 2", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --right-shift-mark 2"],
  ["mangle", "-A PREROUTING -j CONNMARK --restore-mark --right-shift-mark 2 --mask 0xff", "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff --right-shift-mark 2"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 0", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 2 --right-shift-mark 3", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --right-shift-mark 3"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --right-shift-mark 3 --left-shift-mark 2", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --left-shift-mark 2"],
  ["mangle", "-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 31", "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --left-shift-mark 31"],
  ["mangle", "-A PREROUTING -j CONNMARK --set-mark 1 --left-shift-mark 2", "-A PREROUTING -j CONNMARK --set-xmark 0x1/0xffffffff --left-shift-mark 2"],
  ["filter", "-A INPUT -j CONNMARK --set-mark 1", "-A INPUT -j CONNMARK --set-xmark 0x1/0xffffffff"],
];

describe("CONNMARK canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
});

describe("CONNMARK diagnostics", () => {
  test("an operation is required", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK")).toEqual(["error missing-option 3:15+11 CONNMARK target: No operation specified"]);
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --mask 2")[0]).toMatch(/No operation specified/);
  });
  test("exclusions", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --set-mark 1 --save-mark")).toEqual([
      'error conflicting-options 3:40+11 CONNMARK: option "--set-mark" cannot be used together with "--save-mark"',
    ]);
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --save-mark --restore-mark")[0]).toMatch(
      /option "--save-mark" cannot be used together with "--restore-mark"/,
    );
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --save-mark --mask 0xff --nfmask 0xf")).toEqual([
      'error conflicting-options 3:51+8 CONNMARK: option "--nfmask" cannot be used together with "--mask"',
    ]);
  });
  test("bad values", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --save-mark --mask 0xff/0xff")).toEqual([
      'error bad-mark 3:46+9 CONNMARK: bad value for option "--mask", or out of range (0-4294967295)',
    ]);
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --set-mark 0x1/0x1/0x1")[0]).toMatch(/trailing garbage after value for option "--set-mark"/);
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 32")[0]).toMatch(/refused by the kernel/);
    expect(diags(4, "mangle", "-A PREROUTING -j CONNMARK --save-mark --mask 0xff --mask 0xf")[0]).toMatch(/can only be used once/);
  });
});

describe("CONNMARK evaluation (xt_connmark revision 2)", () => {
  const e = env("mangle", "PREROUTING");
  const run = (line: string, p: Partial<Packet>) => {
    const r = evalTarget(4, "mangle", line, packet(p), e);
    expect(r.kind).toBe("continue");
    return r.kind === "continue" ? r.packet : undefined;
  };
  test("set forms change the connmark only", () => {
    const p = run("-A PREROUTING -j CONNMARK --or-mark 0x10", { connmark: 0x1, mark: 0x5 });
    expect(p?.connmark).toBe(0x11);
    expect(p?.mark).toBe(0x5);
    expect(run("-A PREROUTING -j CONNMARK --set-mark 0x1 --left-shift-mark 4", { connmark: 0xf0 })?.connmark).toBe(0x10);
  });
  test("save-mark: ct = (ct & ~ctmask) ^ ((mark & nfmask) << shift)", () => {
    expect(run("-A PREROUTING -j CONNMARK --save-mark", { connmark: 0xaa, mark: 0x5 })?.connmark).toBe(0x5);
    expect(run("-A PREROUTING -j CONNMARK --save-mark --mask 0xff", { connmark: 0xab00, mark: 0x1234 })?.connmark).toBe(0xab34);
    expect(run("-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff00 --left-shift-mark 8", { connmark: 0xffff, mark: 0x12 })?.connmark).toBe(0x12ff);
  });
  test("restore-mark: mark = (mark & ~nfmask) ^ ((ct & ctmask) >> shift)", () => {
    const p = run("-A PREROUTING -j CONNMARK --restore-mark --mask 0xff", { connmark: 0x1234, mark: 0xab00 });
    expect(p?.mark).toBe(0xab34);
    expect(p?.connmark).toBe(0x1234);
    expect(run("-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff00 --right-shift-mark 8", { connmark: 0x1200, mark: 0 })?.mark).toBe(0x12);
  });
  test("no conntrack entry: no effect", () => {
    expect(evalTarget(4, "mangle", "-A PREROUTING -j CONNMARK --set-mark 1", packet({ ctState: "UNTRACKED" }), e)).toEqual({ kind: "continue" });
  });
});
