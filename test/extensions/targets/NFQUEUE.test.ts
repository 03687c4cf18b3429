import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

/** [table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nft and legacy)]. */
type Case = readonly [string, string, string];

const CANON: readonly Case[] = [
  ["filter", "-A FORWARD -j NFQUEUE", "-A FORWARD -j NFQUEUE --queue-num 0"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-num 5", "-A FORWARD -j NFQUEUE --queue-num 5"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-num 0x10", "-A FORWARD -j NFQUEUE --queue-num 16"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-num 65535", "-A FORWARD -j NFQUEUE --queue-num 65535"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-bypass", "-A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-bypass --queue-num 0", "-A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-balance 0:3", "-A FORWARD -j NFQUEUE --queue-balance 0:3"],
  ["filter", "-A FORWARD -j NFQUEUE --queue-balance 1:2 --queue-cpu-fanout --queue-bypass", "-A FORWARD -j NFQUEUE --queue-balance 1:2 --queue-bypass --queue-cpu-fanout"],
  ["raw", "-A PREROUTING -j NFQUEUE --queue-num 1", "-A PREROUTING -j NFQUEUE --queue-num 1"],
];

describe("NFQUEUE", () => {
  test.each(CANON)("%s: %s", (table, input, expected) => expect(canon(4, table, input)).toBe(expected));
  test("diagnostics", () => {
    expect(diags(4, "filter", "-A FORWARD -j NFQUEUE --queue-balance 3:3")).toEqual(["error bad-value 3:39+3 NFQUEUE: --queue-balance 3:3: 3 should be less than 3"]);
    expect(diags(4, "filter", "-A FORWARD -j NFQUEUE --queue-balance 5")[0]).toMatch(/Bad range "5"/);
    expect(diags(4, "filter", "-A FORWARD -j NFQUEUE --queue-num 65536")[0]).toMatch(/out of range \(0-65535\)/);
    expect(diags(4, "filter", "-A FORWARD -j NFQUEUE --queue-num 1 --queue-balance 0:3")[0]).toMatch(
      /option "--queue-num" cannot be used together with "--queue-balance"/,
    );
    expect(diags(4, "filter", "-A FORWARD -j NFQUEUE --queue-cpu-fanout")[0]).toMatch(/also requires "--queue-balance"/);
    expect(diags(4, "filter", "-A FORWARD -j NFQUEUE --fail-open")[0]).toMatch(/unknown-option/);
  });
  test("evaluation queues", () => {
    const e = env("filter", "FORWARD");
    expect(evalTarget(4, "filter", "-A FORWARD -j NFQUEUE --queue-num 5", packet(), e)).toEqual({ kind: "queue", detail: "queue 5" });
    expect(evalTarget(4, "filter", "-A FORWARD -j NFQUEUE --queue-balance 0:3 --queue-bypass", packet(), e)).toEqual({
      kind: "queue",
      detail: "queues 0-3 (accepted if no program listens)",
    });
  });
});
