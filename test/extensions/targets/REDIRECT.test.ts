import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, ip, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["nat", "-A PREROUTING -j REDIRECT", "-A PREROUTING -j REDIRECT"],
  ["nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080"],
  ["nat", "-A PREROUTING -p tcp -j REDIRECT --to-port 8080", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080"],
  ["nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080-8090", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080-8090"],
  ["nat", "-A PREROUTING -p tcp -j REDIRECT --random --to-ports 8080-8090", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080-8090 --random"],
  ["nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 0", "-A PREROUTING -p tcp -j REDIRECT --to-ports 0"],
  ["nat", "-A OUTPUT -p tcp -j REDIRECT --to-ports 15001", "-A OUTPUT -p tcp -j REDIRECT --to-ports 15001"],
];
const CANON6: readonly Case[] = [
  ["nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 1000-2000 --random", "-A PREROUTING -p tcp -j REDIRECT --to-ports 1000-2000 --random"],
  ["nat", "-A PREROUTING -j REDIRECT", "-A PREROUTING -j REDIRECT"],
];

describe("REDIRECT canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test.each(CANON6)("IPv6 %s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
});

describe("REDIRECT diagnostics", () => {
  test("--to-ports needs a port protocol", () => {
    expect(diags(4, "nat", "-A PREROUTING -j REDIRECT --to-ports 8080")[0]).toMatch(/^error nat-port-needs-protocol 3:38\+4 /);
  });
  test("no shifted ranges, no --random-fully", () => {
    expect(diags(4, "nat", "-A PREROUTING -p udp -j REDIRECT --to-ports 8080-8090/9000")).toEqual([
      "error bad-port 3:45+14 REDIRECT: Shifted portmap ranges not supported with this kernel",
    ]);
    expect(diags(4, "nat", "-A PREROUTING -p tcp -j REDIRECT --random-fully")[0]).toMatch(/unknown-option/);
    expect(diags(4, "nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080,8090")[0]).toMatch(/Garbage after port value: `,8090'/);
  });
  test("placement", () => {
    expect(diags(4, "nat", "-A INPUT -p tcp -j REDIRECT --to-ports 1")[0]).toMatch(/REDIRECT is only valid from PREROUTING\/OUTPUT/);
    expect(diags(4, "nat", "-A POSTROUTING -j U", "-A U -j REDIRECT")[0]).toMatch(/reached from POSTROUTING/);
    expect(diags(4, "mangle", "-A PREROUTING -j REDIRECT")[0]).toMatch(/only valid in the nat table, not mangle/);
  });
});

describe("REDIRECT evaluation", () => {
  test("PREROUTING: to the input interface's address", () => {
    const e = env("nat", "PREROUTING", { eth0: "192.0.2.7" });
    const r = evalTarget(4, "nat", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080", packet({ inIface: "eth0" }), e);
    expect(r.kind).toBe("nat");
    if (r.kind !== "nat") return;
    expect(r.nat).toBe("REDIRECT");
    expect(r.packet.dst).toEqual(ip("192.0.2.7"));
    expect(r.packet.dport).toBe(8080);
    expect(r.packet.ctDnat).toBe(true);
    expect(r.detail).toBe("to the address of eth0 port 8080");
  });
  test("OUTPUT: to loopback, port kept without --to-ports", () => {
    const e = env("nat", "OUTPUT");
    const r4 = evalTarget(4, "nat", "-A OUTPUT -j REDIRECT", packet(), e);
    expect(r4.kind === "nat" && r4.packet.dst).toEqual(ip("127.0.0.1"));
    expect(r4.kind === "nat" && r4.packet.dport).toBe(80);
    const r6 = evalTarget(6, "nat", "-A OUTPUT -j REDIRECT", packet({ family: 6 }), e);
    expect(r6.kind === "nat" && r6.packet.dst).toEqual(ip("::1"));
    expect(r6.kind === "nat" && r6.detail).toBe("to the loopback address");
  });
});
