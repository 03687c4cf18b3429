import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, ip, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m conntrack --ctstate DNAT,SNAT,UNTRACKED,INVALID,NEW,RELATED,ESTABLISHED -j DROP", "-A U -m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT -j DROP"],
  [4, "filter", "-A U -m conntrack ! --ctstate NEW -j DROP", "-A U -m conntrack ! --ctstate NEW -j DROP"],
  [4, "filter", "-A U -m conntrack --ctproto tcp -j DROP", "-A U -m conntrack --ctproto 6 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctproto all -j DROP", "-A U -m conntrack --ctproto 0 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctproto icmpv6 -j DROP", "-A U -m conntrack --ctproto 58 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctreplsrc 10.0.0.1/255.0.255.0 -j DROP", "-A U -m conntrack --ctreplsrc 10.0.0.1 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctrepldst 10.1.2.3/16 -j DROP", "-A U -m conntrack --ctrepldst 10.1.2.3/16 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigdstport http -j DROP", "-A U -m conntrack --ctorigdstport 80 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctstatus CONFIRMED,EXPECTED,SEEN_REPLY,ASSURED -j DROP", "-A U -m conntrack --ctstatus EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED -j DROP"],
  [4, "filter", "-A U -m conntrack ! --ctstatus NONE -j DROP", "-A U -m conntrack ! --ctstatus NONE -j DROP"],
  [4, "filter", "-A U -m conntrack --ctexpire 10:20 -j DROP", "-A U -m conntrack --ctexpire 10:20 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctdir original -j DROP", "-A U -m conntrack --ctdir ORIGINAL -j DROP"],
  [4, "filter", "-A U -m conntrack --ctdir REPLY --ctexpire 5 --ctstatus ASSURED --ctrepldstport 9 --ctreplsrcport 8 --ctorigdstport 7 --ctorigsrcport 6 --ctrepldst 4.4.4.4 --ctreplsrc 3.3.3.3 --ctorigdst 2.2.2.2 --ctorigsrc 1.1.1.1 --ctproto udp --ctstate NEW -j DROP", "-A U -m conntrack --ctstate NEW --ctproto 17 --ctorigsrc 1.1.1.1 --ctorigdst 2.2.2.2 --ctreplsrc 3.3.3.3 --ctrepldst 4.4.4.4 --ctorigsrcport 6 --ctorigdstport 7 --ctreplsrcport 8 --ctrepldstport 9 --ctstatus ASSURED --ctexpire 5 --ctdir REPLY -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigsrc 10.0.0.1/32 -j DROP", "-A U -m conntrack --ctorigsrc 10.0.0.1 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigsrc 10.0.0.1/0 -j DROP", "-A U -m conntrack --ctorigsrc 10.0.0.1/0 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigsrc 10.0.0.1/255.255.0.0 -j DROP", "-A U -m conntrack --ctorigsrc 10.0.0.1/16 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigdstport 90:80 -j DROP", "-A U -m conntrack --ctorigdstport 90:80 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigdstport 80: -j DROP", "-A U -m conntrack --ctorigdstport 80:65535 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigdstport :80 -j DROP", "-A U -m conntrack --ctorigdstport 0:80 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctorigdstport 0:65535 -j DROP", "-A U -m conntrack --ctorigdstport 0:65535 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctexpire 20:10 -j DROP", "-A U -m conntrack --ctexpire 20:10 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctexpire 10:10 -j DROP", "-A U -m conntrack --ctexpire 10 -j DROP"],
  [4, "filter", "-A U -m conntrack --ctexpire 0x10:010 -j DROP", "-A U -m conntrack --ctexpire 16:8 -j DROP"],
  [6, "filter", "-A U -m conntrack --ctorigsrc 2001:db8::1/64 --ctorigdst ::1 --ctrepldst 2001:db8::/ffff:ffff:: -j DROP", "-A U -m conntrack --ctorigsrc 2001:db8::1/64 --ctorigdst ::1 --ctrepldst 2001:db8::/32 -j DROP"],
  [6, "filter", "-A U -m conntrack --ctorigsrc 2001:db8::1/128 -j DROP", "-A U -m conntrack --ctorigsrc 2001:db8::1 -j DROP"],
];

describe("conntrack canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("conntrack diagnostics", () => {
  test("values", () => {
    expect(diags(4, "filter", "-A U -m conntrack --ctstate foo -j DROP")).toEqual([`error bad-value 3:29+3 conntrack: bad ctstate "foo"`]);
    expect(diags(4, "filter", "-A U -m conntrack --ctstate NEW,, -j DROP")).toEqual([`error bad-value 3:29+5 conntrack: bad ctstate ","`]);
    expect(diags(4, "filter", "-A U -m conntrack --ctstatus NEW -j DROP")).toEqual([`error bad-value 3:30+3 conntrack: bad ctstatus "NEW"`]);
    expect(diags(4, "filter", "-A U -m conntrack --ctproto 256 -j DROP")).toEqual([`error bad-value 3:29+3 conntrack: unknown protocol "256" specified`]);
    expect(diags(4, "filter", "-A U -m conntrack --ctorigsrc ::1 -j DROP")).toEqual([
      "error bad-value 3:31+3 conntrack: --ctorigsrc: '::1' is not an IPv4 address (host names are not resolved)",
    ]);
    expect(diags(4, "filter", "-A U -m conntrack --ctdir sideways -j DROP")).toEqual([
      `error bad-value 3:27+8 conntrack: bad value for "--ctdir" option: "sideways" (expected ORIGINAL or REPLY)`,
    ]);
  });
  test("options", () => {
    expect(diags(4, "filter", "-A U -m conntrack -j DROP")).toEqual(["error missing-option 3:6+12 conntrack: at least one option is required"]);
    expect(diags(4, "filter", "-A U -m conntrack ! --ctdir REPLY -j DROP")).toEqual(["error bad-negation 3:19+1 conntrack: --ctdir cannot be negated with !"]);
    expect(diags(4, "filter", "-A U -m conntrack --ctstate NEW --ctstate RELATED -j DROP")).toEqual([
      "error repeated-option 3:33+9 conntrack: option --ctstate given more than once",
    ]);
  });
  test("a non-contiguous mask is dropped, as iptables-save shows", () => {
    expect(diags(4, "filter", "-A U -m conntrack --ctreplsrc 10.0.0.1/255.0.255.0 -j DROP")).toEqual([
      "warning mask-dropped 3:31+20 conntrack: --ctreplsrc: the non-contiguous mask 255.0.255.0 is not kept by iptables (it matches the address exactly)",
    ]);
  });
});

describe("conntrack evaluation", () => {
  const run = (line: string, p: Partial<Parameters<typeof packet>[0]> = {}) => evalMatch(4, "filter", line, packet(p), env("filter", "FORWARD"));
  test("states, including SNAT/DNAT and untracked packets", () => {
    expect(run("-A U -m conntrack --ctstate RELATED,ESTABLISHED", { ctState: "ESTABLISHED" })).toBe(true);
    expect(run("-A U -m conntrack --ctstate RELATED,ESTABLISHED", { ctState: "NEW" })).toBe(false);
    expect(run("-A U -m conntrack --ctstate INVALID", { ctState: "INVALID" })).toBe(true);
    expect(run("-A U -m conntrack ! --ctstate NEW", { ctState: "UNTRACKED" })).toBe(true);
    expect(run("-A U -m conntrack --ctstate DNAT", { ctState: "NEW", ctDnat: true })).toBe(true);
    expect(run("-A U -m conntrack --ctstate DNAT", { ctState: "NEW" })).toBe(false);
  });
  test("without a conntrack entry only a state test can hold", () => {
    expect(run("-A U -m conntrack ! --ctstatus ASSURED", { ctState: "INVALID" })).toBe(false);
    expect(run("-A U -m conntrack --ctstate INVALID --ctproto 6", { ctState: "INVALID" })).toBe(true);
  });
  test("tuples, ports, status", () => {
    const dnated = { ctState: "ESTABLISHED" as const, ctDnat: true, dst: ip("10.244.1.5"), dport: 8080, ctOrigDst: ip("10.96.0.10"), ctOrigDport: 80 };
    expect(run("-A U -m conntrack --ctorigdst 10.96.0.0/12 --ctorigdstport 80", dnated)).toBe(true);
    expect(run("-A U -m conntrack --ctreplsrc 10.244.1.5 --ctreplsrcport 8080", dnated)).toBe(true);
    expect(run("-A U -m conntrack --ctrepldst 10.0.0.1", dnated)).toBe(true);
    expect(run("-A U -m conntrack ! --ctorigsrc 10.0.0.0/8")).toBe(false);
    expect(run("-A U -m conntrack --ctorigsrc 10.9.9.9/8")).toBe(true);
    expect(run("-A U -m conntrack --ctproto udp")).toBe(false);
    expect(run("-A U -m conntrack --ctstatus ASSURED,SEEN_REPLY", { ctState: "ESTABLISHED", ctStatus: new Set(["SEEN_REPLY"]) })).toBe(true);
    expect(run("-A U -m conntrack --ctstatus NONE", { ctState: "ESTABLISHED", ctStatus: new Set(["SEEN_REPLY"]) })).toBe(false);
    expect(run("-A U -m conntrack --ctorigdstport 90:80")).toBe(false);
  });
  test("direction and lifetime", () => {
    expect(run("-A U -m conntrack --ctdir ORIGINAL")).toBe(true);
    expect(run("-A U -m conntrack --ctdir REPLY")).toBe(false);
    expect(run("-A U -m conntrack --ctdir REPLY", { ctState: "ESTABLISHED" })).toMatchObject({ kind: "unknown", key: "conntrack:ctdir REPLY" });
    expect(run("-A U -m conntrack --ctproto 17 --ctexpire 10:20")).toBe(false);
    expect(run("-A U -m conntrack ! --ctexpire 10:20")).toEqual({
      kind: "unknown",
      key: "!conntrack:ctexpire 10:20",
      assumption: "not: the connection's remaining lifetime is 10:20 s",
    });
  });
});
