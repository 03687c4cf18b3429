import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, ip, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.4"],
  ["nat", "-A POSTROUTING -j SNAT --to 1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.4"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.10", "-A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.10"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4-1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.4"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.10-1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.10-1.2.3.4"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-1000", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source :1000", "-A POSTROUTING -p tcp -j SNAT --to-source :1000"],
  ["nat", "-A POSTROUTING -p icmp -j SNAT --to-source 1.2.3.4:1000", "-A POSTROUTING -p icmp -j SNAT --to-source 1.2.3.4:1000"],
  ["nat", "-A POSTROUTING -p sctp -j SNAT --to-source 1.2.3.4:1000", "-A POSTROUTING -p sctp -j SNAT --to-source 1.2.3.4:1000"],
  ["nat", "-A POSTROUTING ! -p tcp -j SNAT --to-source 1.2.3.4:1000", "-A POSTROUTING ! -p tcp -j SNAT --to-source 1.2.3.4:1000"],
  ["nat", "-A POSTROUTING -p 6 -j SNAT --to-source 1.2.3.4:5", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:5"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:http", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:010", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:8"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:0x10", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:16"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:0", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:0"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80-90/100", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80-90/0"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 0.0.0.0", "-A POSTROUTING -j SNAT --to-source 0.0.0.0"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --persistent", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --persistent"],
  ["nat", "-A POSTROUTING -j SNAT --persistent --random --to-source 1.2.3.4", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --persistent"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random-fully", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random-fully"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random-fully --random --persistent", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --random-fully --persistent"],
  ["nat", "-A INPUT -j SNAT --to-source 1.2.3.4", "-A INPUT -j SNAT --to-source 1.2.3.4"],
];

const CANON6: readonly Case[] = [
  ["nat", "-A POSTROUTING -j SNAT --to-source 2001:db8::1", "-A POSTROUTING -j SNAT --to-source 2001:db8::1"],
  ["nat", "-A POSTROUTING -j SNAT --to-source [2001:db8::1]", "-A POSTROUTING -j SNAT --to-source 2001:db8::1"],
  ["nat", "-A POSTROUTING -j SNAT --to-source [2001:db8::1-2001:db8::10]", "-A POSTROUTING -j SNAT --to-source 2001:db8::1-2001:db8::10"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1-2001:db8::10]:1000-2000", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1-2001:db8::10]:1000-2000"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8:0:0::1]:1000", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1]:1000"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source [::ffff:1.2.3.4]:1000", "-A POSTROUTING -p tcp -j SNAT --to-source [::ffff:1.2.3.4]:1000"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source []:1000", "-A POSTROUTING -p tcp -j SNAT --to-source :1000"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1]", "-A POSTROUTING -p tcp -j SNAT --to-source 2001:db8::1"],
  ["nat", "-A POSTROUTING -p icmp -j SNAT --to-source [::1]:5", "-A POSTROUTING -p icmp -j SNAT --to-source [::1]:5"],
  ["nat", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1]:1000-2000/3000", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1]:1000-2000/0"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 2001:DB8::A", "-A POSTROUTING -j SNAT --to-source 2001:db8::a"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 2001:db8::1:1000", "-A POSTROUTING -j SNAT --to-source 2001:db8::1:1000"],
  ["nat", "-A POSTROUTING -j SNAT --to-source 2001:db8::1 --random --persistent --random-fully", "-A POSTROUTING -j SNAT --to-source 2001:db8::1 --random --random-fully --persistent"],
];

describe("SNAT canonical print (IPv4)", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
});
describe("SNAT canonical print (IPv6)", () => {
  test.each(CANON6)("%s: %s", (table, input, expected) => expect(canon(6, table, input)).toBe(expected));
});

describe("SNAT diagnostics", () => {
  test("required option", () => {
    expect(diags(4, "nat", "-A POSTROUTING -j SNAT --random")).toEqual([
      'error missing-option 3:16+7 SNAT: option "--to-source" must be specified',
    ]);
  });
  test("port without a port protocol", () => {
    expect(diags(4, "nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4:1000")).toEqual([
      'error nat-port-needs-protocol 3:36+12 SNAT: a port needs -p tcp, udp, sctp or dccp in the rule (iptables: "Need TCP, UDP, SCTP or DCCP with port specification")',
    ]);
    expect(diags(4, "nat", "-A POSTROUTING -p udplite -j SNAT --to-source 1.2.3.4:1000")[0]).toMatch(/nat-port-needs-protocol/);
    expect(diags(6, "nat", "-A POSTROUTING -p icmpv6 -j SNAT --to-source [::1]:5")[0]).toMatch(/nat-port-needs-protocol/);
  });
  test("bad values, in iptables' words", () => {
    const d = (v: string) => diags(4, "nat", `-A POSTROUTING -p tcp -j SNAT --to-source ${v}`);
    expect(d("1.2.3")).toEqual(['error bad-nat-range 3:43+5 SNAT: bad IP address "1.2.3"']);
    expect(d("1.2.3.4/24")[0]).toMatch(/bad IP address "1.2.3.4\/24"/);
    expect(d("1.2.3.4-")[0]).toMatch(/bad IP address ""/);
    expect(d("1.2.3.4:2000-1000")).toEqual(["error bad-nat-range 3:43+17 SNAT: Port range `1000' funky"]);
    expect(d("1.2.3.4:65536")[0]).toMatch(/Port `65536' not valid/);
    expect(d("1.2.3.4:")[0]).toMatch(/Port `' not valid/);
    expect(d("1.2.3.4:1000-")[0]).toMatch(/Port `' not valid/);
    expect(d("1.2.3.4:10-http")[0]).toMatch(/Port `http' not valid/);
    expect(d("1.2.3.4:80/90")[0]).toMatch(/Garbage after port value: `\/90'/);
    expect(d("1.2.3.4:5-6x")[0]).toMatch(/Garbage after port range: `x'/);
    expect(d("host.example")[0]).toMatch(/bad IP address "host.example"/);
  });
  test("IPv4 address in an IPv6 rule set", () => {
    expect(diags(6, "nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4")[0]).toMatch(/bad IP address "1.2.3.4"/);
  });
  test("repeated --to-source", () => {
    expect(diags(4, "nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --to-source 1.2.3.5")[0]).toMatch(/repeated-option/);
  });
  test("inverted address range is accepted with a warning", () => {
    expect(diags(4, "nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.10-1.2.3.4")).toEqual([
      "warning nat-range-inverted 3:36+16 SNAT: address range 1.2.3.10-1.2.3.4 is inverted; the kernel accepts it but then maps to addresses outside it",
    ]);
  });
  test("shift base is ignored", () => {
    expect(diags(4, "nat", "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80-90/100")[0]).toMatch(/^warning nat-base-ignored/);
  });
  test("placement: PREROUTING, OUTPUT, other tables, and through a user chain", () => {
    expect(diags(4, "nat", "-A PREROUTING -j SNAT --to-source 1.2.3.4")).toEqual([
      "error invalid-target-placement 3:15+7 SNAT is only valid from POSTROUTING/INPUT; the kernel refuses the rule set",
    ]);
    expect(diags(4, "nat", "-A OUTPUT -j U", "-A U -j SNAT --to-source 1.2.3.4")[0]).toMatch(/reached from OUTPUT/);
    expect(diags(4, "mangle", "-A POSTROUTING -j SNAT --to-source 1.2.3.4")[0]).toMatch(/only valid in the nat table, not mangle/);
    expect(diags(4, "nat", "-A POSTROUTING -j U", "-A U -j SNAT --to-source 1.2.3.4")).toEqual([]);
  });
});

describe("SNAT evaluation", () => {
  const e = env("nat", "POSTROUTING");
  test("rewrites the source, keeps the port without a port range", () => {
    const r = evalTarget(4, "nat", "-A POSTROUTING -j SNAT --to-source 192.0.2.1", packet(), e);
    expect(r.kind).toBe("nat");
    if (r.kind !== "nat") return;
    expect(r.nat).toBe("SNAT");
    expect(r.packet.src).toEqual(ip("192.0.2.1"));
    expect(r.packet.sport).toBe(40000);
    expect(r.packet.dst).toEqual(ip("10.0.0.2"));
    expect(r.packet.ctSnat).toBe(true);
    expect(r.detail).toBe("to 192.0.2.1");
  });
  test("port range: a port in range is kept, another gets the lowest", () => {
    const line = "-A POSTROUTING -p tcp -j SNAT --to-source 192.0.2.1:1000-2000";
    const a = evalTarget(4, "nat", line, packet({ sport: 1500 }), e);
    const b = evalTarget(4, "nat", line, packet({ sport: 40000 }), e);
    expect(a.kind === "nat" && a.packet.sport).toBe(1500);
    expect(b.kind === "nat" && b.packet.sport).toBe(1000);
  });
  test("address range: a source already in it is kept", () => {
    const line = "-A POSTROUTING -j SNAT --to-source 10.0.0.0-10.0.0.9";
    const r = evalTarget(4, "nat", line, packet(), e);
    expect(r.kind === "nat" && r.packet.src).toEqual(ip("10.0.0.1"));
    const s = evalTarget(4, "nat", line, packet({ src: ip("172.16.0.1") }), e);
    expect(s.kind === "nat" && s.packet.src).toEqual(ip("10.0.0.0"));
  });
  test("IPv6", () => {
    const r = evalTarget(6, "nat", "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::99]:5000", packet({ family: 6 }), e);
    expect(r.kind === "nat" && r.packet.src).toEqual(ip("2001:db8::99"));
    expect(r.kind === "nat" && r.packet.sport).toBe(5000);
    expect(r.kind === "nat" && r.detail).toBe("to [2001:db8::99]:5000");
  });
});
