import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, ip, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80 --persistent --random", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80 --random --persistent"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to 1.2.3.4:80", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90/100", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90/100"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination :80-90/100", "-A PREROUTING -p tcp -j DNAT --to-destination :80-90/100"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:1-2/0x10", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:1-2/16"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:1-2/http", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:1-2/80"],
  ["nat", "-A OUTPUT -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.5:53", "-A OUTPUT -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.5:53"],
];

const CANON6: readonly Case[] = [
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination [::1]", "-A PREROUTING -p tcp -j DNAT --to-destination ::1"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination ::1", "-A PREROUTING -p tcp -j DNAT --to-destination ::1"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination [::1]:80", "-A PREROUTING -p tcp -j DNAT --to-destination [::1]:80"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination [::1]80", "-A PREROUTING -p tcp -j DNAT --to-destination ::1"],
  ["nat", "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:1000-2000/3000", "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:1000-2000/3000"],
];

describe("DNAT canonical print (IPv4)", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
});
describe("DNAT canonical print (IPv6)", () => {
  test.each(CANON6)("%s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
});

describe("DNAT diagnostics", () => {
  test("required option", () => {
    expect(diags(4, "nat", "-A PREROUTING -p tcp -j DNAT")).toEqual([
      'error missing-option 3:22+7 DNAT: option "--to-destination" must be specified',
    ]);
  });
  test("no --random-fully", () => {
    expect(diags(4, "nat", "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4 --random-fully")[0]).toMatch(/unknown-option/);
  });
  test("shift base errors", () => {
    const d = (v: string) => diags(4, "nat", `-A PREROUTING -p tcp -j DNAT --to-destination ${v}`);
    expect(d("1.2.3.4:1-2/0")).toEqual(["error bad-nat-range 3:47+13 DNAT: Port `0' not valid"]);
    expect(d("1.2.3.4:1-2/")[0]).toMatch(/Port `' not valid/);
    expect(d("1.2.3.4:1-2/70000")[0]).toMatch(/Port `70000' not valid/);
    expect(d("1.2.3.4:80/100")[0]).toMatch(/Garbage after port value: `\/100'/);
    expect(d("1.2.3.4:1000:2000")[0]).toMatch(/bad IP address "1.2.3.4:1000"/);
  });
  test("IPv6 bracket errors", () => {
    expect(diags(6, "nat", "-A PREROUTING -p tcp -j DNAT --to-destination [::1")).toEqual([
      "error bad-nat-range 3:47+4 DNAT: '[::1' has '[' without ']' (iptables: \"Invalid address format\")",
    ]);
    expect(diags(6, "nat", "-A PREROUTING -p tcp -j DNAT --to-destination ::1]:80")[0]).toMatch(/bad IP address "::1\]:80"/);
    expect(diags(6, "nat", "-A PREROUTING -p tcp -j DNAT --to-destination [::1]80")[0]).toMatch(/^warning nat-range-garbage/);
  });
  test("placement", () => {
    expect(diags(4, "nat", "-A INPUT -j DNAT --to-destination 1.2.3.4")).toEqual([
      "error invalid-target-placement 3:10+7 DNAT is only valid from PREROUTING/OUTPUT; the kernel refuses the rule set",
    ]);
    expect(diags(4, "nat", "-A POSTROUTING -j U", "-A U -j DNAT --to-destination 1.2.3.4")[0]).toMatch(/reached from POSTROUTING/);
    expect(diags(4, "filter", "-A INPUT -j DNAT --to-destination 1.2.3.4")[0]).toMatch(/only valid in the nat table, not filter/);
  });
});

describe("DNAT evaluation", () => {
  const e = env("nat", "PREROUTING");
  test("rewrites address and port", () => {
    const r = evalTarget(4, "nat", "-A PREROUTING -p tcp -j DNAT --to-destination 10.244.1.5:8080", packet(), e);
    expect(r.kind).toBe("nat");
    if (r.kind !== "nat") return;
    expect(r.nat).toBe("DNAT");
    expect(r.packet.dst).toEqual(ip("10.244.1.5"));
    expect(r.packet.dport).toBe(8080);
    expect(r.packet.src).toEqual(ip("10.0.0.1"));
    expect(r.packet.ctDnat).toBe(true);
    expect(r.detail).toBe("to 10.244.1.5:8080");
  });
  test("address only keeps the port", () => {
    const r = evalTarget(4, "nat", "-A PREROUTING -j DNAT --to-destination 10.244.1.5", packet(), e);
    expect(r.kind === "nat" && r.packet.dport).toBe(80);
  });
  test("port range: kept when inside, else the lowest; /base shifts", () => {
    const line = "-A PREROUTING -p tcp -j DNAT --to-destination 10.244.1.5:8000-8999";
    expect((r => r.kind === "nat" && r.packet.dport)(evalTarget(4, "nat", line, packet({ dport: 8080 }), e))).toBe(8080);
    expect((r => r.kind === "nat" && r.packet.dport)(evalTarget(4, "nat", line, packet({ dport: 80 }), e))).toBe(8000);
    const shifted = "-A PREROUTING -p tcp -j DNAT --to-destination 10.244.1.5:8000-8999/1000";
    expect((r => r.kind === "nat" && r.packet.dport)(evalTarget(4, "nat", shifted, packet({ dport: 1080 }), e))).toBe(8080);
  });
});
