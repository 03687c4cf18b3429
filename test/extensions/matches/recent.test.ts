import { describe, expect, test } from "vitest";
import { canon, diags, env, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "filter", "-A U -m recent --set -j ACCEPT", "-A U -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource -j ACCEPT"],
  [4, "filter", "-A U -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-XYZ --mask 255.255.255.255 --rsource -j ACCEPT", "-A U -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-XYZ --mask 255.255.255.255 --rsource -j ACCEPT"],
  [4, "filter", "-A U -m recent --update --seconds 60 --hitcount 4 --rttl --name SSH --rdest -j DROP", "-A U -m recent --update --seconds 60 --hitcount 4 --rttl --name SSH --mask 255.255.255.255 --rdest -j DROP"],
  [4, "filter", "-A U -m recent ! --rcheck --name foo -j DROP", "-A U -m recent ! --rcheck --name foo --mask 255.255.255.255 --rsource -j DROP"],
  [4, "filter", "-A U -m recent --rcheck --mask 255.0.255.0 -j DROP", "-A U -m recent --rcheck --name DEFAULT --mask 255.0.255.0 --rsource -j DROP"],
  [4, "filter", "-A U -m recent --rcheck --mask 16 -j DROP", "-A U -m recent --rcheck --name DEFAULT --mask 0.0.0.16 --rsource -j DROP"],
  [4, "filter", "-A U -m recent --rcheck --hitcount 0 -j DROP", "-A U -m recent --rcheck --name DEFAULT --mask 255.255.255.255 --rsource -j DROP"],
  [4, "filter", "-A U -m recent --rcheck --name \"a b\" -j DROP", "-A U -m recent --rcheck --name a b --mask 255.255.255.255 --rsource -j DROP"],
  [4, "filter", "-A U -m recent --rcheck --rsource --rdest -j DROP", "-A U -m recent --rcheck --name DEFAULT --mask 255.255.255.255 --rdest -j DROP"],
  [4, "filter", "-A U -m recent --name x --rdest --rcheck --rttl --hitcount 2 --seconds 3 --reap -j DROP", "-A U -m recent --rcheck --seconds 3 --reap --hitcount 2 --rttl --name x --mask 255.255.255.255 --rdest -j DROP"],
  [4, "filter", "-A U -m recent --rcheck --seconds 4294967295 -j DROP", "-A U -m recent --rcheck --seconds -1 --name DEFAULT --mask 255.255.255.255 --rsource -j DROP"],
  [6, "filter", "-A U -m recent --set -j DROP", "-A U -m recent --set --name DEFAULT --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -j DROP"],
  [6, "filter", "-A U -m recent --set --mask ffff:ffff:: -j DROP", "-A U -m recent --set --name DEFAULT --mask ffff:ffff:: --rsource -j DROP"],
];

describe("recent canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("recent diagnostics", () => {
  test("commands", () => {
    expect(diags(4, "filter", "-A U -m recent -j DROP")).toEqual([
      "error missing-option 3:6+9 recent: you must specify one of --set, --rcheck, --update or --remove",
    ]);
    expect(diags(4, "filter", "-A U -m recent --set --rcheck -j DROP")).toEqual(["error conflicting-options 3:22+8 recent: --set cannot be used together with --rcheck"]);
    expect(diags(4, "filter", "-A U -m recent --set --rttl -j DROP")).toEqual(["error conflicting-options 3:22+6 recent: --rttl cannot be used together with --set"]);
  });
  test("options", () => {
    expect(diags(4, "filter", "-A U -m recent --rcheck --reap -j DROP")).toEqual(["error missing-option 3:25+6 recent: option --reap also requires --seconds"]);
    expect(diags(4, "filter", "-A U -m recent --set --seconds 5 -j DROP")).toEqual([
      "error conflicting-options 3:22+9 recent: --seconds only works with --rcheck or --update (the kernel refuses it with --set)",
    ]);
    expect(diags(4, "filter", "-A U -m recent --rcheck --seconds 0 -j DROP")).toEqual([
      "error bad-value 3:35+1 recent: bad value for option --seconds, or out of range (1-4294967295): '0'",
    ]);
    expect(diags(4, "filter", '-A U -m recent --rcheck --name "" -j DROP')).toEqual(["error bad-value 3:32+2 recent: --name must not be empty (the kernel refuses it)"]);
    const long = "n".repeat(200);
    expect(diags(4, "filter", `-A U -m recent --rcheck --name ${long} -j DROP`)).toEqual([
      "warning value-truncated 3:32+200 recent: --name is longer than 199 characters; iptables keeps the first 199",
    ]);
  });
});

describe("recent evaluation", () => {
  const run = (line: string) => evalMatch(4, "nat", line, packet(), env("nat", "PREROUTING"));
  test("--set always matches", () => {
    expect(run("-A KUBE-SEP-X -m recent --set --name KUBE-SEP-X --mask 255.255.255.255 --rsource")).toBe(true);
    expect(run("-A U -m recent ! --set")).toBe(false);
  });
  test("--rcheck/--update/--remove depend on the list", () => {
    expect(run("-A KUBE-SVC-X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource")).toEqual({
      kind: "unknown",
      key: "recent:KUBE-SEP-X",
      assumption: "source has a recent entry in list KUBE-SEP-X (seen within the last 10800 s)",
    });
    expect(run("-A U -m recent ! --update --hitcount 4 --rttl --name SSH --rdest")).toEqual({
      kind: "unknown",
      key: "!recent:SSH",
      assumption: "not: destination has a recent entry in list SSH (at least 4 hits, same TTL)",
    });
    expect(run("-A U -m recent --remove --name x")).toMatchObject({ kind: "unknown", key: "recent:x" });
  });
});
