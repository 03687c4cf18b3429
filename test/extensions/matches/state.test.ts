import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m state --state ESTABLISHED,RELATED -j ACCEPT", "-A U -m state --state RELATED,ESTABLISHED -j ACCEPT"],
  [4, "filter", "-A U -m state ! --state INVALID -j ACCEPT", "-A U -m state ! --state INVALID -j ACCEPT"],
  [4, "filter", "-A U -m state --state new,established -j ACCEPT", "-A U -m state --state NEW,ESTABLISHED -j ACCEPT"],
  [4, "filter", "-A U -m state --state NEW,NEW -j ACCEPT", "-A U -m state --state NEW -j ACCEPT"],
  [6, "filter", "-A U -m state --state NEW -j DROP", "-A U -m state --state NEW -j DROP"],
];

describe("state canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("state diagnostics", () => {
  test("SNAT/DNAT are not states of -m state", () => {
    expect(diags(4, "filter", "-A U -m state --state SNAT -j ACCEPT")).toEqual([`error bad-value 3:23+4 state: bad state "SNAT"`]);
    expect(diags(4, "filter", "-A U -m state -j ACCEPT")).toEqual(["error missing-option 3:6+8 state: option --state must be specified"]);
  });
});

describe("state evaluation equals conntrack --ctstate", () => {
  const states = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"] as const;
  const lists = ["NEW", "RELATED,ESTABLISHED", "INVALID", "UNTRACKED", "NEW,INVALID"];
  test.each(lists.flatMap((l) => states.flatMap((s) => [[l, s, ""], [l, s, "! "]])))("%s on %s %s", (list, s, bang) => {
    const p = packet({ ctState: s as (typeof states)[number], ctDnat: s === "ESTABLISHED" });
    const a = evalMatch(4, "filter", `-A U -m state ${bang}--state ${list}`, p);
    const b = evalMatch(4, "filter", `-A U -m conntrack ${bang}--ctstate ${list}`, p);
    expect(a).toBe(b);
  });
});
