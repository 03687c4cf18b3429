import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";


/** Observed with nfacct objects `acc1` and `acc 2` (nfacct 1.0.2): note the two spaces. */
const KERNEL: readonly (readonly [string, string])[] = [
  ["-A PREROUTING -m nfacct --nfacct-name acc1 -j ACCEPT", "-A PREROUTING -m nfacct --nfacct-name  acc1 -j ACCEPT"],
  ['-A PREROUTING -m nfacct --nfacct-name "acc 2" -j ACCEPT', '-A PREROUTING -m nfacct --nfacct-name  "acc 2" -j ACCEPT'],
];

describe("nfacct canonical print", () => {
  test.each(KERNEL)("%s", (input, expected) => expect(canon(4, "mangle", input)).toBe(expected));
});

describe("nfacct", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m nfacct -j ACCEPT")).toEqual(["error missing-option 3:6+9 nfacct: option --nfacct-name must be specified"]);
    expect(diags(4, "mangle", "-A U -m nfacct ! --nfacct-name a -j ACCEPT")).toEqual(["error bad-negation 3:16+1 nfacct: --nfacct-name cannot be negated with !"]);
  });
  test("always matches", () => {
    expect(evalMatch(4, "mangle", "-A U -m nfacct --nfacct-name acc1", packet())).toBe(true);
  });
});
