import { describe, expect, test } from "vitest";
import { canon, diags } from "./helpers.js";

describe("CHECKSUM", () => {
  test("print", () => {
    expect(canon(4, "mangle", "-A POSTROUTING -p udp -j CHECKSUM --checksum-fill")).toBe("-A POSTROUTING -p udp -j CHECKSUM --checksum-fill");
    expect(canon(4, "mangle", "-A POSTROUTING -j CHECKSUM --checksum-fill")).toBe("-A POSTROUTING -j CHECKSUM --checksum-fill");
  });
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A POSTROUTING -j CHECKSUM")).toEqual(['error missing-option 3:16+11 CHECKSUM: option "--checksum-fill" must be specified']);
    expect(diags(4, "mangle", "-A POSTROUTING -j CHECKSUM --checksum-fill --checksum-fill")[0]).toMatch(/repeated-option/);
    expect(diags(4, "filter", "-A OUTPUT -j CHECKSUM --checksum-fill")[0]).toMatch(/only valid in the mangle table, not filter/);
  });
});
