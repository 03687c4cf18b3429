/**
 * `-j CLASSIFY` (iptables-extensions(8), "CLASSIFY"): `--set-class major:minor` (hex) sets skb->priority
 * for a qdisc class. Non-terminating.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18: printed as `%04x:%04x`
 * (`1:10` → `0001:0010`, `A:B` → `000a:000b`, `0x10:1` → `0010:0001`); the value is `major << 16 | minor`
 * in 32 bits, so `10000:1` prints `0000:0001`; `1` or `1:` → 'Bad class value "1"'; required ('CLASSIFY:
 * option "--set-class" must be specified'); placement: any table, from FORWARD, OUTPUT and POSTROUTING
 * only ("CLASSIFY target: used from hooks INPUT, but only usable from FORWARD/OUTPUT/POSTROUTING"), also
 * through user chains.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName } from "../util.js";

export interface ClassifyTarget extends TargetBase {
  readonly name: "CLASSIFY";
  /** `major << 16 | minor`. */
  readonly priority: number;
}

const HEX = /^\s*(?:0[xX])?([0-9a-fA-F]+)$/;

export const CLASSIFY = defineTarget<ClassifyTarget>({
  name: "CLASSIFY",
  hooks: ["FORWARD", "OUTPUT", "POSTROUTING"],
  options: [{ name: "set-class", args: 1 }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "CLASSIFY").get("set-class");
    let priority = 0;
    if (!o) ctx.error("missing-option", 'CLASSIFY: option "--set-class" must be specified', loc);
    else {
      const text = o.values[0] ?? "";
      const colon = text.indexOf(":");
      const a = colon < 0 ? null : HEX.exec(text.slice(0, colon));
      const b = colon < 0 ? null : HEX.exec(text.slice(colon + 1));
      if (!a || !b) ctx.error("bad-value", `CLASSIFY: Bad class value "${text}" (expected MAJOR:MINOR in hex)`, o.valueLocs[0] ?? o.loc);
      else priority = (((parseInt(a[1]!, 16) << 16) & 0xffff0000) | (parseInt(b[1]!, 16) & 0xffff)) >>> 0;
    }
    return { kind: "target", name: "CLASSIFY", loc, priority };
  },
  print(t) {
    const h = (n: number): string => n.toString(16).padStart(4, "0");
    return `--set-class ${h(t.priority >>> 16)}:${h(t.priority & 0xffff)}`;
  },
  evaluate() {
    return { kind: "continue" };
  },
});
