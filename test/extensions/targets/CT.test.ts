import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["raw", "-A PREROUTING -j CT --notrack", "-A PREROUTING -j CT --notrack"],
  ["raw", "-A PREROUTING -j CT", "-A PREROUTING -j CT"],
  ["raw", "-A PREROUTING -p tcp -j CT --helper ftp", "-A PREROUTING -p tcp -j CT --helper ftp"],
  ["raw", "-A PREROUTING -p udp -j CT --helper tftp", "-A PREROUTING -p udp -j CT --helper tftp"],
  ["raw", "-A PREROUTING -p tcp -j CT --notrack --helper ftp", "-A PREROUTING -p tcp -j CT --notrack --helper ftp"],
  ["raw", '-A PREROUTING -p tcp -j CT --helper ""', "-A PREROUTING -p tcp -j CT"],
  [
    "raw",
    "-A PREROUTING -j CT --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark,natseqinfo,secmark",
    "-A PREROUTING -j CT --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark,natseqinfo,secmark",
  ],
  ["raw", "-A PREROUTING -j CT --ctevents mark,new", "-A PREROUTING -j CT --ctevents new,mark"],
  ["raw", "-A PREROUTING -j CT --expevents new", "-A PREROUTING -j CT --expevents new"],
  ["raw", "-A PREROUTING -j CT --zone 5", "-A PREROUTING -j CT --zone 5"],
  ["raw", "-A PREROUTING -j CT --zone-orig 5", "-A PREROUTING -j CT --zone-orig 5"],
  ["raw", "-A PREROUTING -j CT --zone-reply 5", "-A PREROUTING -j CT --zone-reply 5"],
  ["raw", "-A PREROUTING -j CT --zone mark", "-A PREROUTING -j CT --zone mark"],
  ["raw", "-A PREROUTING -j CT --zone-orig mark", "-A PREROUTING -j CT --zone-orig mark"],
  ["raw", "-A PREROUTING -j CT --zone-reply mark", "-A PREROUTING -j CT --zone-reply mark"],
  ["raw", "-A PREROUTING -j CT --zone 0", "-A PREROUTING -j CT"],
  ["raw", "-A PREROUTING -j CT --zone MARK", "-A PREROUTING -j CT --zone mark"],
  ["raw", "-A PREROUTING -j CT --zone-orig mark --zone 5", "-A PREROUTING -j CT --zone-orig mark"],
  ["raw", "-A PREROUTING -j CT --zone-orig 0", "-A PREROUTING -j CT"],
  ["raw", "-A PREROUTING -j CT --zone 0x10", "-A PREROUTING -j CT --zone 16"],
  ["raw", "-A PREROUTING -j CT --zone 010", "-A PREROUTING -j CT --zone 8"],
  ["raw", "-A PREROUTING -j CT --zone-orig 5 --zone-reply 5", "-A PREROUTING -j CT --zone 5"],
  ["raw", "-A PREROUTING -j CT --zone-orig 5 --zone-reply 6", "-A PREROUTING -j CT --zone 6"],
  ["raw", "-A PREROUTING -j CT --zone-orig 5 --zone 6", "-A PREROUTING -j CT --zone-orig 6"],
  ["raw", "-A PREROUTING -j CT --notrack --zone 5", "-A PREROUTING -j CT --notrack --zone 5"],
  ["raw", "-A PREROUTING -j CT --zone 5 --ctevents new --expevents new --notrack", "-A PREROUTING -j CT --notrack --ctevents new --expevents new --zone 5"],
  [
    "raw",
    "-A PREROUTING -p tcp -j CT --helper ftp --zone 5 --ctevents new --expevents new",
    "-A PREROUTING -p tcp -j CT --helper ftp --ctevents new --expevents new --zone 5",
  ],
];

describe("CT canonical print", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
});

describe("CT diagnostics", () => {
  test("events", () => {
    expect(diags(4, "raw", "-A PREROUTING -j CT --ctevents bogus")).toEqual([
      'error bad-value 3:32+5 CT: Unknown event type "bogus" (new, related, destroy, reply, assured, protoinfo, helper, mark, natseqinfo, secmark)',
    ]);
    expect(diags(4, "raw", "-A PREROUTING -j CT --ctevents new,,mark")[0]).toMatch(/Unknown event type ""/);
    expect(diags(4, "raw", "-A PREROUTING -j CT --ctevents NEW")[0]).toMatch(/Unknown event type "NEW"/);
    expect(diags(4, "raw", "-A PREROUTING -j CT --expevents related")[0]).toMatch(/Unknown event type "related"/);
    expect(diags(4, "raw", "-A PREROUTING -j CT --ctevents new --ctevents mark")[0]).toMatch(/repeated-option/);
  });
  test("zones", () => {
    expect(diags(4, "raw", "-A PREROUTING -j CT --zone 65536")).toEqual(["error bad-value 3:28+5 CT: Cannot parse 65536 as a zone ID (0-65535 or mark)"]);
    expect(diags(4, "raw", "-A PREROUTING -j CT --zone 5 --zone 6")[0]).toMatch(/repeated-option/);
  });
  test("helpers the kernel would not find", () => {
    expect(diags(4, "raw", "-A PREROUTING -j CT --helper ftp")).toEqual([
      "error ct-helper-needs-protocol 3:30+3 CT: --helper ftp needs -p in the rule (the kernel looks the helper up by protocol and refuses the rule)",
    ]);
    expect(diags(4, "raw", "-A PREROUTING -p udp -j CT --helper ftp")[0]).toMatch(/helper ftp does not exist for -p udp/);
    expect(diags(4, "raw", "-A PREROUTING -p tcp -j CT --helper FTP")[0]).toMatch(/^warning ct-unknown-helper/);
  });
  test("raw table only", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j CT --notrack")[0]).toMatch(/CT is only valid in the raw table, not mangle/);
  });
});

describe("CT evaluation", () => {
  const e = env("raw", "PREROUTING");
  test("--notrack makes the packet UNTRACKED", () => {
    const r = evalTarget(4, "raw", "-A PREROUTING -j CT --notrack", packet(), e);
    expect(r.kind === "continue" && r.packet?.ctState).toBe("UNTRACKED");
  });
  test("other options leave the packet", () => {
    expect(evalTarget(4, "raw", "-A PREROUTING -p tcp -j CT --helper ftp", packet(), e)).toEqual({ kind: "continue" });
  });
});
