/**
 * `-j DSCP` (iptables-extensions(8), "DSCP"): `--set-dscp value` or `--set-dscp-class class`. Rewrites
 * the DSCP bits of the TOS / traffic class byte. Non-terminating.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18: always printed as `--set-dscp
 * 0xNN` (two hex digits: `10` → `0x0a`, `--set-dscp-class AF11` → `0x0a`, `ef` → `0x2e`, `be` → `0x00`,
 * `CS7` → `0x38`); classes are case-insensitive (CS0–CS7, AF11–AF43, EF, BE); values 0–63; one option is
 * required ("DSCP target: Parameter --set-dscp is required") and they exclude each other; unknown class:
 * "Invalid DSCP value `foo'"; placement: mangle table only, any chain.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { parseU32, reportExclusive } from "./mark-ops.js";

export interface DscpTarget extends TargetBase {
  readonly name: "DSCP";
  readonly dscp: number;
}

/** DiffServ class names (RFC 2474/2597/3246) to code points. */
export function dscpClass(name: string): number | undefined {
  const n = name.toLowerCase();
  if (n === "be") return 0;
  if (n === "ef") return 46;
  let m = /^cs([0-7])$/.exec(n);
  if (m) return Number(m[1]) * 8;
  m = /^af([1-4])([1-3])$/.exec(n);
  if (m) return Number(m[1]) * 8 + Number(m[2]) * 2;
  return undefined;
}

export const DSCP = defineTarget<DscpTarget>({
  name: "DSCP",
  tables: ["mangle"],
  options: [
    { name: "set-dscp", args: 1 },
    { name: "set-dscp-class", args: 1 },
  ],
  decode(opts, ctx, loc) {
    let dscp = 0;
    const seen = new Set<string>();
    for (const o of opts) {
      if (seen.has(o.spec.name)) {
        ctx.error("repeated-option", `DSCP: option "${o.written}" can only be used once`, o.loc);
        continue;
      }
      seen.add(o.spec.name);
      const text = o.values[0] ?? "";
      const vloc = o.valueLocs[0] ?? o.loc;
      if (o.spec.name === "set-dscp") {
        const v = parseU32(text);
        if (v === null || v > 63) ctx.error("bad-value", `DSCP: bad value for option "${o.written}", or out of range (0-63)`, vloc);
        else dscp = v;
      } else {
        const v = dscpClass(text);
        if (v === undefined) ctx.error("bad-value", `DSCP: Invalid DSCP value \`${text}' (CS0-CS7, AF11-AF43, EF, BE)`, vloc);
        else dscp = v;
      }
    }
    reportExclusive(opts, ["set-dscp", "set-dscp-class"], ctx, "DSCP");
    if (seen.size === 0) ctx.error("missing-option", "DSCP target: Parameter --set-dscp is required", loc);
    return { kind: "target", name: "DSCP", loc, dscp };
  },
  print(t) {
    return `--set-dscp 0x${t.dscp.toString(16).padStart(2, "0")}`;
  },
  evaluate() {
    return { kind: "continue" };
  },
});
