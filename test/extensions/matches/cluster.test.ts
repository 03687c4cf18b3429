import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef", "-A U -m cluster --cluster-local-nodemask 0x00000001 --cluster-total-nodes 2 --cluster-hash-seed 0xdeadbeef"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 1 --cluster-hash-seed 0", "-A U -m cluster --cluster-local-nodemask 0x00000001 --cluster-total-nodes 4 --cluster-hash-seed 0x00000000"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 1 --cluster-hash-seed 10", "-A U -m cluster --cluster-local-nodemask 0x00000001 --cluster-total-nodes 4 --cluster-hash-seed 0x0000000a"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-nodemask 5 --cluster-hash-seed 1", "-A U -m cluster --cluster-local-nodemask 0x00000005 --cluster-total-nodes 4 --cluster-hash-seed 0x00000001"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 3 --cluster-hash-seed 1", "-A U -m cluster --cluster-local-nodemask 0x00000004 --cluster-total-nodes 4 --cluster-hash-seed 0x00000001"],
  [4, "-A U -m cluster --cluster-total-nodes 4 ! --cluster-local-node 3 --cluster-hash-seed 1", "-A U -m cluster ! --cluster-local-nodemask 0x00000004 --cluster-total-nodes 4 --cluster-hash-seed 0x00000001"],
  [4, "-A U -m cluster --cluster-total-nodes 4 ! --cluster-local-nodemask 3 --cluster-hash-seed 1", "-A U -m cluster ! --cluster-local-nodemask 0x00000003 --cluster-total-nodes 4 --cluster-hash-seed 0x00000001"],
  [4, "-A U -m cluster --cluster-total-nodes 32 --cluster-local-node 32 --cluster-hash-seed 1", "-A U -m cluster --cluster-local-nodemask 0x80000000 --cluster-total-nodes 32 --cluster-hash-seed 0x00000001"],
  [4, "-A U -m cluster --cluster-total-nodes 0x4 --cluster-local-node 01 --cluster-hash-seed 1", "-A U -m cluster --cluster-local-nodemask 0x00000001 --cluster-total-nodes 4 --cluster-hash-seed 0x00000001"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-nodemask 5", "cluster: option \"--cluster-hash-seed\" must be specified", "cluster: option \"--cluster-hash-seed\" must be specified"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 0", "cluster: bad value for option \"--cluster-local-node\", or out of range (1-32).", "cluster: bad value for option \"--cluster-local-node\", or out of range (1-32)."],
  [4, "-A U -m cluster --cluster-total-nodes 33 --cluster-local-node 1", "cluster: bad value for option \"--cluster-total-nodes\", or out of range (1-32).", "cluster: bad value for option \"--cluster-total-nodes\", or out of range (1-32)."],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 1 --cluster-local-nodemask 2", "cluster: option \"--cluster-local-node\" cannot be used together with \"--cluster-local-nodemask\".", "cluster: option \"--cluster-local-node\" cannot be used together with \"--cluster-local-nodemask\"."],
  [4, "-A U -m cluster --cluster-local-node 1", "cluster: option \"--cluster-total-nodes\" must be specified", "cluster: option \"--cluster-total-nodes\" must be specified"],
  [4, "-A U -m cluster --cluster-total-nodes 4", "cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing", "cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-nodemask 0", "cluster: bad value for option \"--cluster-local-nodemask\", or out of range (1-32).", "cluster: bad value for option \"--cluster-local-nodemask\", or out of range (1-32)."],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-nodemask 0xffffffff", "cluster: bad value for option \"--cluster-local-nodemask\", or out of range (1-32).", "cluster: bad value for option \"--cluster-local-nodemask\", or out of range (1-32)."],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 5 --cluster-hash-seed 1", "cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'", "cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-nodemask 32 --cluster-hash-seed 1", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-nodemask 16 --cluster-hash-seed 1", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'"],
  [4, "-A U -m cluster --cluster-total-nodes 4 --cluster-local-node 1 --cluster-hash-seed 4294967296", "cluster: bad value for option \"--cluster-hash-seed\", or out of range (0-4294967295).", "cluster: bad value for option \"--cluster-hash-seed\", or out of range (0-4294967295)."],
  [4, "-A U -m cluster --cluster-total-nodes 2 --cluster-local-nodemask 4 --cluster-hash-seed 1", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'"],
];

describe("cluster canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("cluster refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("cluster evaluation", () => {
  test("the hash is unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef", packet())).toEqual({
      kind: "unknown",
      key: "cluster:0x00000001/2 seed 0xdeadbeef",
      assumption: "the connection hashes to one of the local nodes 0x00000001 of 2",
    });
  });
});
