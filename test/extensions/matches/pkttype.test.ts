import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, ip, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type unicast -j DROP", "-A PREROUTING -m pkttype --pkt-type unicast -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype ! --pkt-type BROADCAST -j DROP", "-A PREROUTING -m pkttype ! --pkt-type broadcast -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type multicast -j DROP", "-A PREROUTING -m pkttype --pkt-type multicast -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type host -j DROP", "-A PREROUTING -m pkttype --pkt-type unicast -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type Multicast -j DROP", "-A PREROUTING -m pkttype --pkt-type multicast -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type otherhost -j DROP", "-A PREROUTING -m pkttype --pkt-type otherhost -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type bcast -j DROP", "-A PREROUTING -m pkttype --pkt-type broadcast -j DROP"],
  [4, "mangle", "-A PREROUTING -m pkttype --pkt-type mcast -j DROP", "-A PREROUTING -m pkttype --pkt-type multicast -j DROP"],
];

describe("pkttype canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("pkttype", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m pkttype --pkt-type uni -j DROP")).toEqual([
      "error bad-value 3:28+3 pkttype: bad packet type 'uni' (unicast, broadcast, multicast or otherhost)",
    ]);
  });
  test("evaluation from the destination address", () => {
    const e = env("mangle", "PREROUTING", { "10.0.0.255": ["BROADCAST"] });
    const run = (line: string, dst: string) => evalMatch(4, "mangle", line, packet({ dst: ip(dst) }), e);
    expect(run("-A U -m pkttype --pkt-type unicast", "10.0.0.2")).toBe(true);
    expect(run("-A U -m pkttype --pkt-type multicast", "224.0.0.251")).toBe(true);
    expect(run("-A U -m pkttype --pkt-type broadcast", "10.0.0.255")).toBe(true);
    expect(run("-A U -m pkttype ! --pkt-type broadcast", "255.255.255.255")).toBe(false);
    expect(evalMatch(6, "mangle", "-A U -m pkttype --pkt-type multicast", packet({ family: 6, dst: ip("ff02::1") }), e)).toBe(true);
  });
});
