import { describe, expect, test } from "vitest";
import { canon, diags, env, evalTarget, packet } from "./helpers.js";

describe("NOTRACK", () => {
  test("prints as written, not as CT --notrack", () => {
    expect(canon(4, "raw", "-A PREROUTING -j NOTRACK")).toBe("-A PREROUTING -j NOTRACK");
    expect(canon(6, "raw", "-A OUTPUT -p udp -m udp --dport 53 -j NOTRACK")).toBe("-A OUTPUT -p udp -m udp --dport 53 -j NOTRACK");
  });
  test("takes no options", () => {
    expect(diags(4, "raw", "-A PREROUTING -j NOTRACK --notrack")[0]).toMatch(/unknown-option/);
  });
  test("raw table only", () => {
    expect(diags(4, "mangle", "-A PREROUTING -j NOTRACK")).toEqual([
      "error invalid-target-placement 3:15+10 NOTRACK is only valid in the raw table, not mangle (the kernel refuses the rule)",
    ]);
    expect(diags(4, "raw", "-A OUTPUT -j U", "-A U -j NOTRACK")).toEqual([]);
  });
  test("later rules see the packet UNTRACKED", () => {
    const r = evalTarget(4, "raw", "-A PREROUTING -j NOTRACK", packet({ ctState: "NEW" }), env("raw", "PREROUTING"));
    expect(r.kind).toBe("continue");
    expect(r.kind === "continue" && r.packet?.ctState).toBe("UNTRACKED");
  });
});
