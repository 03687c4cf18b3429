import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p dccp -m dccp --sport 1 --dport 2", "-A U -p dccp -m dccp --sport 1 --dport 2"],
  [4, "-A U -p dccp --dport 2", "-A U -p dccp -m dccp --dport 2"],
  [4, "-A U -p dccp -m dccp --source-port 1:2 --destination-port 3:", "-A U -p dccp -m dccp --sport 1:2 --dport 3:65535"],
  [4, "-A U -p dccp -m dccp ! --sport 1 ! --dport :5", "-A U -p dccp -m dccp ! --sport 1 ! --dport 0:5"],
  [4, "-A U -p dccp -m dccp --dccp-types REQUEST,RESPONSE,DATA,ACK,DATAACK,CLOSEREQ,CLOSE,RESET,SYNC,SYNCACK,INVALID", "-A U -p dccp -m dccp --dccp-types REQUEST,RESPONSE,DATA,ACK,DATAACK,CLOSEREQ,CLOSE,RESET,SYNC,SYNCACK,INVALID"],
  [4, "-A U -p dccp -m dccp --dccp-types request", "-A U -p dccp -m dccp --dccp-types REQUEST"],
  [4, "-A U -p dccp -m dccp ! --dccp-types SYNC,REQUEST", "-A U -p dccp -m dccp ! --dccp-types REQUEST,SYNC"],
  [4, "-A U -p dccp -m dccp --dccp-option 5", "-A U -p dccp -m dccp --dccp-option 5"],
  [4, "-A U -p dccp -m dccp ! --dccp-option 255", "-A U -p dccp -m dccp ! --dccp-option 255"],
  [4, "-A U -p dccp -m dccp --dccp-option 0x10", "-A U -p dccp -m dccp --dccp-option 16"],
  [4, "-A U -p dccp -m dccp", "-A U -p dccp -m dccp"],
  [4, "-A U -p dccp -m dccp --dport 1 --sport 2 --dccp-types ACK --dccp-option 3", "-A U -p dccp -m dccp --sport 2 --dport 1 --dccp-types ACK --dccp-option 3"],
  [4, "-A U -p dccp -m dccp --dport 80:80", "-A U -p dccp -m dccp --dport 80"],
  [4, "-A U -p dccp -m dccp --dport 90:80", "-A U -p dccp -m dccp --dport 90:80"],
  [4, "-A U -p dccp -m dccp --dport http", "-A U -p dccp -m dccp --dport 80"],
  [4, "-A U -p dccp -m dccp --dccp-types REQUEST,REQUEST", "-A U -p dccp -m dccp --dccp-types REQUEST"],
  [4, "-A U -p dccp -m dccp --dccp-types \"\"", "-A U -p dccp -m dccp --dccp-types "],
  [4, "-A U -p dccp -m dccp --dport 0:65535", "-A U -p dccp -m dccp --dport 0:65535"],
  [4, "-A U -p dccp -m dccp --dccp-types \"\" -j DROP", "-A U -p dccp -m dccp --dccp-types  -j DROP"],
  [4, "-A U -p dccp -m dccp --dccp-types REQUEST,", "-A U -p dccp -m dccp --dccp-types REQUEST"],
  [4, "-A U -p dccp -m dccp --dport 65536", "-A U -p dccp -m dccp --dport 0"],
  [4, "-A U -p dccp -m dccp --dport 65537", "-A U -p dccp -m dccp --dport 1"],
  [4, "-A U -p dccp -m dccp --dport 70000", "-A U -p dccp -m dccp --dport 4464"],
  [4, "-A U -p dccp -m dccp --dport 99999999999", "-A U -p dccp -m dccp --dport 59391"],
  [4, "-A U -p dccp -m dccp --dport 010", "-A U -p dccp -m dccp --dport 10"],
  [4, "-A U -p dccp -m dccp --dport :", "-A U -p dccp -m dccp --dport 0:65535"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -p dccp -m dccp --dccp-types FOO", "Unknown DCCP type `FOO'", "Unknown DCCP type `FOO'"],
  [4, "-A U -p dccp -m dccp --dccp-option 256", "dccp: bad value for option \"--dccp-option\", or out of range (1-255).", "dccp: bad value for option \"--dccp-option\", or out of range (1-255)."],
  [4, "-A U -m dccp --dport 1", "RULE_APPEND failed (Invalid argument)", "-m dccp needs -p dccp in the same rule (the kernel refuses it otherwise)"],
  [4, "-A U -p tcp -m dccp --dport 1", "RULE_APPEND failed (Invalid argument)", "-m dccp needs -p dccp in the same rule (the kernel refuses it otherwise)"],
  [4, "-A U -p dccp -m dccp --dccp-option 0", "dccp: bad value for option \"--dccp-option\", or out of range (1-255).", "dccp: bad value for option \"--dccp-option\", or out of range (1-255)."],
  [4, "-A U -p dccp -m dccp --dccp-types 1", "Unknown DCCP type `1'", "Unknown DCCP type `1'"],
  [4, "-A U -p dccp -m dccp --dccp-types REQ", "Unknown DCCP type `REQ'", "Unknown DCCP type `REQ'"],
  [4, "-A U -p dccp -m dccp --sport 1 --sport 2", "dccp: option \"--source-port\" can only be used once.", "dccp: option \"--source-port\" can only be used once."],
  [4, "-A U -p dccp -m dccp --dport 0x10", "Port \"0x10\" does not resolve to anything.", "Port \"0x10\" does not resolve to anything."],
  [4, "-A U -p dccp -m dccp --dport foo", "Port \"foo\" does not resolve to anything.", "Port \"foo\" does not resolve to anything."],
  [4, "-A U -p dccp -m dccp --dport 1:2:3", "dccp: Too many components for option \"--destination-port\" (max: 2)", "dccp: Too many components for option \"--destination-port\" (max: 2)"],
  [4, "-A U -p dccp -m dccp --dport -1", "Port \"-1\" does not resolve to anything.", "Port \"-1\" does not resolve to anything."],
];

describe("dccp canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("dccp refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

/** [family, input, our warning]: accepted by the kernel, but not kept as written. */
const WARNED: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -p dccp -m dccp --dccp-types \"\"", "dccp: --dccp-types with no type matches no packet (iptables-save prints the option with an empty list)"],
  [4, "-A U -p dccp -m dccp --dccp-types \"\" -j DROP", "dccp: --dccp-types with no type matches no packet (iptables-save prints the option with an empty list)"],
];

describe("dccp warnings", () => {
  test.each(WARNED)("IPv%s %s", (family, input, warning) => {
    const warnings = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings).toEqual([warning]);
  });
});

describe("dccp evaluation", () => {
  const run = (line: string, p: Parameters<typeof packet>[0]) => evalMatch(4, "filter", line, packet({ proto: 33, ...p }));
  test("ports decide, types and options are unknown", () => {
    expect(run("-A U -p dccp -m dccp --dport 80", {})).toBe(true);
    expect(run("-A U -p dccp -m dccp ! --dport 80", {})).toBe(false);
    expect(run("-A U -p dccp -m dccp --sport 1:1024", {})).toBe(false);
    expect(run("-A U -p dccp -m dccp --dport 80", { fragment: true })).toBe(false);
    expect(run("-A U -p dccp -m dccp --dport 80", { proto: 6 })).toBe(false);
    expect(run('-A U -p dccp -m dccp --dccp-types ""', {})).toBe(false);
    expect(run("-A U -p dccp -m dccp --dport 80 --dccp-types SYNC,REQUEST", {})).toEqual({
      kind: "unknown",
      key: "dccp:types REQUEST,SYNC",
      assumption: "the DCCP packet type is one of REQUEST,SYNC",
    });
  });
});
