import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/**
 * [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy),
 * with sets s4/sp (hash:ip, hash:ip,port) and sm (hash:ip skbinfo) created first].
 */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["filter", "-A INPUT -j SET --add-set s4 src", "-A INPUT -j SET --add-set s4 src"],
  ["filter", "-A INPUT -j SET --add-set s4 src,dst", "-A INPUT -j SET --add-set s4 src,dst"],
  ["filter", "-A INPUT -j SET --del-set s4 dst", "-A INPUT -j SET --del-set s4 dst"],
  ["filter", "-A INPUT -j SET --add-set s4 src --exist", "-A INPUT -j SET --add-set s4 src --exist"],
  ["filter", "-A INPUT -j SET --add-set s4 src --timeout 10 --exist", "-A INPUT -j SET --add-set s4 src --exist --timeout 10"],
  ["filter", "-A INPUT -j SET --exist --timeout 10 --add-set s4 src", "-A INPUT -j SET --add-set s4 src --exist --timeout 10"],
  ["filter", "-A INPUT -j SET --add-set s4 src --timeout 0", "-A INPUT -j SET --add-set s4 src --timeout 0"],
  ["filter", "-A INPUT -j SET --del-set sp src,dst --add-set s4 src", "-A INPUT -j SET --add-set s4 src --del-set sp src,dst"],
  ["mangle", "-A PREROUTING -j SET --map-set sm src --map-mark", "-A PREROUTING -j SET --map-set sm src --map-mark"],
  ["mangle", "-A PREROUTING -j SET --add-set s4 src --map-set sm src --map-mark", "-A PREROUTING -j SET --add-set s4 src --map-set sm src --map-mark"],
  ["mangle", "-A POSTROUTING -j SET --map-set sm src --map-queue", "-A POSTROUTING -j SET --map-set sm src --map-queue"],
  ["mangle", "-A FORWARD -j SET --map-set sm src --map-prio", "-A FORWARD -j SET --map-set sm src --map-prio"],
];

describe("SET", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "filter", "-A INPUT -j SET")).toEqual(["error missing-option 3:10+6 SET: You must specify either `--add-set' or `--del-set' or `--map-set'"]);
    expect(diags(4, "filter", "-A INPUT -j SET --add-set s4 foo")[0]).toMatch(/You must specify \(the comma separated list of\) 'src' or 'dst'/);
    expect(diags(4, "filter", "-A INPUT -j SET --add-set s4 src,src,src,src,src,src,src")[0]).toMatch(/more src\/dst options than 6/);
    expect(diags(4, "mangle", "-A PREROUTING -j SET --map-set sm src")[0]).toMatch(/You must specify flags/);
    expect(diags(4, "filter", "-A INPUT -j SET --map-set sm src --map-mark")[0]).toMatch(/--map-set is only valid in the mangle table, not filter/);
    expect(diags(4, "mangle", "-A PREROUTING -j SET --map-set sm src --map-prio")[0]).toMatch(/only valid from FORWARD\/OUTPUT\/POSTROUTING, not PREROUTING/);
  });
  test("evaluation continues", () => {
    expect(evalTarget(4, "filter", "-A INPUT -j SET --add-set s4 src", packet(), env("filter", "INPUT"))).toEqual({ kind: "continue" });
  });
});
