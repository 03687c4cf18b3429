import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const SYN = "-p tcp -m tcp --tcp-flags SYN,RST SYN";
const CANON: readonly Case[] = [
  ["mangle", "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", `-A FORWARD ${SYN} -j TCPMSS --clamp-mss-to-pmtu`],
  ["mangle", `-A FORWARD ${SYN} -j TCPMSS --set-mss 1400`, `-A FORWARD ${SYN} -j TCPMSS --set-mss 1400`],
  ["mangle", `-A FORWARD ${SYN} -j TCPMSS --clamp-mss-to-pmtu --set-mss 1400`, `-A FORWARD ${SYN} -j TCPMSS --set-mss 1400`],
  ["mangle", "-A FORWARD -p tcp -m tcp --syn -j TCPMSS --set-mss 1400", "-A FORWARD -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 1400"],
  ["filter", `-A FORWARD ${SYN} -j TCPMSS --clamp-mss-to-pmtu`, `-A FORWARD ${SYN} -j TCPMSS --clamp-mss-to-pmtu`],
];
const CANON6: readonly Case[] = [["mangle", `-A FORWARD ${SYN} -j TCPMSS --set-mss 65495`, `-A FORWARD ${SYN} -j TCPMSS --set-mss 65495`]];

describe("TCPMSS", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A FORWARD -p tcp -j TCPMSS")).toEqual(["error missing-option 3:19+9 TCPMSS target: At least one parameter is required"]);
    expect(diags(4, "mangle", `-A FORWARD ${SYN} -j TCPMSS --set-mss 65516`)[0]).toMatch(/out of range \(0-65515\)/);
    expect(diags(6, "mangle", `-A FORWARD ${SYN} -j TCPMSS --set-mss 65496`)[0]).toMatch(/out of range \(0-65495\)/);
    expect(diags(4, "mangle", "-A FORWARD -j TCPMSS --set-mss 1400")[0]).toMatch(/needs -p tcp/);
    expect(diags(4, "mangle", `-A FORWARD ${SYN} -j TCPMSS --set-mss 1400 --set-mss 1300`)[0]).toMatch(/can only be used once/);
    expect(diags(4, "mangle", `-A PREROUTING ${SYN} -j TCPMSS --clamp-mss-to-pmtu`)[0]).toMatch(/only valid from FORWARD\/OUTPUT\/POSTROUTING, not PREROUTING/);
    expect(diags(4, "mangle", `-A PREROUTING ${SYN} -j TCPMSS --set-mss 1400`)).toEqual([]);
  });
  test("evaluation continues", () => {
    expect(evalTarget(4, "mangle", `-A FORWARD ${SYN} -j TCPMSS --clamp-mss-to-pmtu`, packet(), env("mangle", "FORWARD"))).toEqual({ kind: "continue" });
  });
});
