import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"],
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 1.2.3.4", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 1.2.3.4 --tproxy-mark 0x0/0x0"],
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --tproxy-mark 0x1/0x1", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x1/0x1"],
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --tproxy-mark 0x1", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --tproxy-mark 0x1 --on-ip 1.2.3.4 --on-port 8080", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 1.2.3.4 --tproxy-mark 0x1/0xffffffff"],
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 0", "-A PREROUTING -p tcp -j TPROXY --on-port 0 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"],
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port http", "-A PREROUTING -p tcp -j TPROXY --on-port 80 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"],
];
const CANON6: readonly Case[] = [
  ["mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip :: --tproxy-mark 0x0/0x0"],
  [
    "mangle",
    "-A PREROUTING -p udp -j TPROXY --on-port 8080 --on-ip 2001:db8::1 --tproxy-mark 0x1/0x1",
    "-A PREROUTING -p udp -j TPROXY --on-port 8080 --on-ip 2001:db8::1 --tproxy-mark 0x1/0x1",
  ],
];

describe("TPROXY", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-ip 1.2.3.4")).toEqual(['error missing-option 3:22+9 TPROXY: option "--on-port" must be specified']);
    expect(diags(4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 0x10")[0]).toMatch(/Port "0x10" does not resolve to anything/);
    expect(diags(4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 1 --on-ip 1.2.3.4/32")[0]).toMatch(/not an IPv4 address/);
    expect(diags(4, "mangle", "-A PREROUTING -j TPROXY --on-port 8080")[0]).toMatch(/needs -p tcp or -p udp/);
    expect(diags(4, "mangle", "-A INPUT -p tcp -j TPROXY --on-port 1")[0]).toMatch(/only valid from PREROUTING/);
    expect(diags(4, "nat", "-A PREROUTING -p tcp -j TPROXY --on-port 1")[0]).toMatch(/only valid in the mangle table, not nat/);
  });
  test("evaluation depends on sockets", () => {
    const r = evalTarget(4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --tproxy-mark 0x1/0x1", packet(), env("mangle", "PREROUTING"));
    expect(r.kind).toBe("unknown");
  });
});
