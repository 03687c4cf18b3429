import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -m rt --rt-type 0 --rt-segsleft 1:2 --rt-len 8 --rt-0-res --rt-0-addrs 2001:db8::1,2001:db8::2 --rt-0-not-strict", "-A U -m rt --rt-type 0 --rt-segsleft 1:2 --rt-len 8 --rt-0-res --rt-0-addrs 2001:db8::1,2001:db8::2 --rt-0-not-strict"],
  [6, "-A U -m rt --rt-type 2", "-A U -m rt --rt-type 2"],
  [6, "-A U -m rt ! --rt-type 2 ! --rt-segsleft 5 ! --rt-len 3", "-A U -m rt ! --rt-type 2 ! --rt-segsleft 5 ! --rt-len 3"],
  [6, "-A U -m rt --rt-segsleft 0:4294967295", "-A U -m rt"],
  [6, "-A U -m rt --rt-segsleft 5:", "-A U -m rt --rt-segsleft 5:4294967295"],
  [6, "-A U -m rt --rt-type 0 --rt-0-addrs 2001:db8::1", "-A U -m rt --rt-type 0 --rt-0-addrs 2001:db8::1"],
  [6, "-A U -m rt --rt-type 0 --rt-0-res", "-A U -m rt --rt-type 0 --rt-0-res"],
  [6, "-A U -m rt --rt-type 256", "-A U -m rt --rt-type 256"],
  [6, "-A U -m rt", "-A U -m rt"],
  [6, "-A U -m rt --rt-type 0 --rt-0-addrs 2001:DB8:0:0::1", "-A U -m rt --rt-type 0 --rt-0-addrs 2001:db8::1"],
  [6, "-A U -m rt --rt-segsleft 3:3", "-A U -m rt --rt-segsleft 3"],
  [6, "-A U -m rt --rt-segsleft 5:3", "-A U -m rt --rt-segsleft 5:3"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [6, "-A U -m rt --rt-0-addrs 2001:db8::1", "`--rt-type 0' required before `--rt-0-addrs'", "`--rt-type 0' required before `--rt-0-addrs'"],
  [6, "-A U -m rt --rt-type 0 --rt-0-not-strict", "`--rt-0-addr ...' required before `--rt-0-not-strict'", "`--rt-0-addr ...' required before `--rt-0-not-strict'"],
  [6, "-A U -m rt --rt-type 0 --rt-0-addrs 2001:db8::1,1.2.3.4", "bad address: 1.2.3.4", "bad address: 1.2.3.4"],
  [6, "-A U -m rt --rt-0-res --rt-type 0", "`--rt-type 0' required before `--rt-0-res'", "`--rt-type 0' required before `--rt-0-res'"],
  [6, "-A U -m rt ! --rt-type 0 --rt-0-res", "`--rt-type 0' required before `--rt-0-res'", "`--rt-type 0' required before `--rt-0-res'"],
];

describe("rt canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("rt refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("rt evaluation", () => {
  test("the header is unknown", () => {
    expect(evalMatch(6, "filter", "-A U -m rt --rt-type 2", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "rt:--rt-type 2",
      assumption: "the packet carries an IPv6 Routing header matching --rt-type 2",
    });
  });
});
