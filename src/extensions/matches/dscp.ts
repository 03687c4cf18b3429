/**
 * `-m dscp [!] --dscp N | [!] --dscp-class CLASS` (iptables-extensions(8), "dscp"): the 6-bit DSCP field.
 *
 * Observed with iptables 1.8.9 iptables-save: always `--dscp 0x%02x` — `10` → `0x0a`, `010` → `0x08`,
 * `0` → `0x00`, classes become numbers (`EF` → `0x2e`, `af41` → `0x22`, `CS1` → `0x08`, `be` → `0x00`);
 * 0-63; `--dscp` and `--dscp-class` exclude each other; one of them is required.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { parseCUint, unknown } from "./common.js";

export interface DscpMatch extends MatchBase {
  readonly module: "dscp";
  readonly negated: boolean;
  readonly dscp: number;
}

export const DSCP_CLASSES: Readonly<Record<string, number>> = {
  CS0: 0x00, CS1: 0x08, CS2: 0x10, CS3: 0x18, CS4: 0x20, CS5: 0x28, CS6: 0x30, CS7: 0x38, BE: 0x00,
  AF11: 0x0a, AF12: 0x0c, AF13: 0x0e, AF21: 0x12, AF22: 0x14, AF23: 0x16, AF31: 0x1a, AF32: 0x1c,
  AF33: 0x1e, AF41: 0x22, AF42: 0x24, AF43: 0x26, EF: 0x2e,
};

export const dscp = defineMatch<DscpMatch>({
  name: "dscp",
  options: [
    { name: "dscp", args: 1, negatable: true },
    { name: "dscp-class", args: 1, negatable: true },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "dscp");
    const d = o.get("dscp");
    const c = o.get("dscp-class");
    if (d && c) {
      const [first, second] = d.loc.offset < c.loc.offset ? [d, c] : [c, d];
      ctx.error("conflicting-options", `dscp: ${second.written} cannot be used together with ${first.written}`, second.loc);
    }
    if (d) {
      const n = parseCUint(d.values[0]!, 63);
      if (n === null) {
        ctx.error("bad-value", `dscp: bad value for option --dscp, or out of range (0-63): '${d.values[0]}'`, d.valueLocs[0] ?? d.loc);
        return null;
      }
      return { kind: "match", module: "dscp", loc, negated: d.negated, dscp: n };
    }
    if (c) {
      const n = DSCP_CLASSES[c.values[0]!.toUpperCase()];
      if (n === undefined) {
        ctx.error("bad-value", `dscp: invalid DSCP class '${c.values[0]}'`, c.valueLocs[0] ?? c.loc);
        return null;
      }
      return { kind: "match", module: "dscp", loc, negated: c.negated, dscp: n };
    }
    ctx.error("missing-option", "dscp: --dscp or --dscp-class is required", loc);
    return null;
  },
  print(m) {
    return `${neg(m.negated)}--dscp 0x${m.dscp.toString(16).padStart(2, "0")}`;
  },
  evaluate(m) {
    // Deviation: packets carry no DSCP here.
    const v = `0x${m.dscp.toString(16).padStart(2, "0")}`;
    return unknown(`dscp ${v}`, `the packet's DSCP is ${v}`, m.negated);
  },
});
