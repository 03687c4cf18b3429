import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -p sctp --dport 80 -j ACCEPT", "-A U -p sctp -m sctp --dport 80 -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp ! --dport 80 ! --sport 5 -j ACCEPT", "-A U -p sctp -m sctp ! --sport 5 ! --dport 80 -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --dport 0:65535 -j ACCEPT", "-A U -p sctp -m sctp --dport 0:65535 -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --source-port 7 --destination-port 8 -j ACCEPT", "-A U -p sctp -m sctp --sport 7 --dport 8 -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types any INIT,INIT_ACK -j ACCEPT", "-A U -p sctp -m sctp --chunk-types any INIT,INIT_ACK -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp ! --chunk-types all INIT -j ACCEPT", "-A U -p sctp -m sctp ! --chunk-types all INIT -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types any DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t -j ACCEPT", "-A U -p sctp -m sctp --chunk-types any DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types all SHUTDOWN_COMPLETE,INIT,DATA -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all DATA,INIT,SHUTDOWN_COMPLETE -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types ALL init -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all INIT -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types all ALL -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all ALL -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types all NONE -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all NONE -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types all DATA,INIT,INIT_ACK,SACK,HEARTBEAT,HEARTBEAT_ACK,ABORT,SHUTDOWN,SHUTDOWN_ACK,ERROR,COOKIE_ECHO,COOKIE_ACK,ECN_ECNE,ECN_CWR,SHUTDOWN_COMPLETE,I_DATA,RE_CONFIG,PAD,ASCONF,ASCONF_ACK,FORWARD_TSN,I_FORWARD_TSN -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all DATA,INIT,INIT_ACK,SACK,HEARTBEAT,HEARTBEAT_ACK,ABORT,SHUTDOWN,SHUTDOWN_ACK,ERROR,COOKIE_ECHO,COOKIE_ACK,ECN_ECNE,ECN_CWR,SHUTDOWN_COMPLETE,I_DATA,ASCONF_ACK,RE_CONFIG,PAD,FORWARD_TSN,ASCONF,I_FORWARD_TSN -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --dport 80 --chunk-types all INIT --sport 5 -j ACCEPT", "-A U -p sctp -m sctp --sport 5 --dport 80 --chunk-types all INIT -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp -j ACCEPT", "-A U -p sctp -m sctp -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types all I_DATA:I -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all I_DATA -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --chunk-types all DATA:B,DATA:e -j ACCEPT", "-A U -p sctp -m sctp --chunk-types all DATA:Be -j ACCEPT"],
  [4, "filter", "-A U -p sctp -m sctp --dport 80: -j ACCEPT", "-A U -p sctp -m sctp --dport 80:65535 -j ACCEPT"],
];

describe("sctp canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("sctp diagnostics", () => {
  test("chunk types, flags, ranges, protocol", () => {
    expect(diags(4, "filter", "-A U -p sctp -m sctp --chunk-types any FOO -j ACCEPT")).toEqual(["error bad-value 3:40+3 sctp: unknown chunk type 'FOO'"]);
    expect(diags(4, "filter", "-A U -p sctp -m sctp --chunk-types all INIT:B -j ACCEPT")).toEqual([
      "error bad-value 3:40+6 sctp: invalid flag 'B' for chunk type INIT (valid: none)",
    ]);
    expect(diags(4, "filter", "-A U -p sctp -m sctp --chunk-types none INIT -j ACCEPT")).toEqual([
      `error bad-value 3:36+4 sctp: match type has to be one of "all", "any" or "only", not 'none'`,
    ]);
    expect(diags(4, "filter", "-A U -p sctp -m sctp --dport 90:80 -j ACCEPT")).toEqual(["error bad-port 3:30+5 sctp: port range 90:80 is inverted (90 > 80)"]);
    expect(diags(4, "filter", "-A U -p tcp -m sctp --dport 80 -j ACCEPT")).toEqual([
      "error match-needs-protocol 3:13+7 -m sctp needs -p sctp in the same rule (the kernel refuses it otherwise)",
    ]);
  });
  test("flags on I_DATA are dropped with a warning", () => {
    expect(diags(4, "filter", "-A U -p sctp -m sctp --chunk-types all I_DATA:I -j ACCEPT")).toEqual([
      "warning dropped-value 3:40+8 sctp: flags on I_DATA are accepted but not kept by iptables (libxt_sctp files them under the wrong chunk)",
    ]);
  });
});

describe("sctp evaluation", () => {
  const sctp = (sport: number, dport: number) => packet({ proto: 132, sport, dport, tcpFlags: 0 });
  const run = (line: string, p: ReturnType<typeof packet>) => evalMatch(4, "filter", line, p);
  test("ports", () => {
    expect(run("-A U -p sctp --dport 80", sctp(1, 80))).toBe(true);
    expect(run("-A U -p sctp --dport 80", sctp(1, 81))).toBe(false);
    expect(run("-A U -p sctp ! --sport 1:10 --dport 80", sctp(11, 80))).toBe(true);
    expect(run("-A U -p sctp --dport 80", packet({ dport: 80 }))).toBe(false);
    expect(run("-A U -p sctp --dport 80", { ...sctp(1, 80), fragment: true })).toBe(false);
  });
  test("chunk types are an assumption", () => {
    expect(run("-A U -p sctp --chunk-types all INIT", sctp(1, 80))).toEqual({
      kind: "unknown",
      key: "sctp:chunk-types all INIT",
      assumption: "the SCTP packet's chunks satisfy 'all INIT'",
    });
    expect(run("-A U -p sctp --dport 81 ! --chunk-types any DATA:Be", sctp(1, 80))).toBe(false);
    expect(run("-A U -p sctp ! --chunk-types any DATA:Be", sctp(1, 80))).toMatchObject({ kind: "unknown", key: "!sctp:chunk-types any DATA:Be" });
  });
});
