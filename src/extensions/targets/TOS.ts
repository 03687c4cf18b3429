/**
 * `-j TOS` (iptables-extensions(8), "TOS"): `--set-tos value[/mask]` or a symbolic name, `--and-tos`,
 * `--or-tos`, `--xor-tos`. Non-terminating; `tos = (tos & ~mask) ^ value`.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18 — always printed as `--set-tos
 * 0xVV/0xMM` (two hex digits each): `--set-tos 0x10` → `0x10/0xff`; names (case-insensitive) get mask
 * 0x3f: Minimize-Delay 0x10, Maximize-Throughput 0x08, Maximize-Reliability 0x04, Minimize-Cost 0x02,
 * Normal-Service 0x00; `--and-tos 0x10` → `0x00/0xef`, `--or-tos 0x10` → `0x10/0x10`, `--xor-tos 0x10` →
 * `0x10/0x00`; values above 0xff: 'Symbolic name "0x100" is unknown', 'Illegal value: "0x10/0x100"';
 * an action is required ("TOS: An action is required"), they exclude each other; placement: mangle only.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { parseU32, reportExclusive } from "./mark-ops.js";

export interface TosTarget extends TargetBase {
  readonly name: "TOS";
  readonly value: number;
  readonly mask: number;
}

const TOS_NAMES: Readonly<Record<string, number>> = {
  "minimize-delay": 0x10,
  "maximize-throughput": 0x08,
  "maximize-reliability": 0x04,
  "minimize-cost": 0x02,
  "normal-service": 0x00,
};

const hex2 = (n: number): string => "0x" + n.toString(16).padStart(2, "0");

export const TOS = defineTarget<TosTarget>({
  name: "TOS",
  tables: ["mangle"],
  options: [
    { name: "set-tos", args: 1 },
    { name: "and-tos", args: 1 },
    { name: "or-tos", args: 1 },
    { name: "xor-tos", args: 1 },
  ],
  decode(opts, ctx, loc) {
    let value = 0;
    let mask = 0;
    const seen = new Set<string>();
    for (const o of opts) {
      if (seen.has(o.spec.name)) {
        ctx.error("repeated-option", `TOS: option "${o.written}" can only be used once`, o.loc);
        continue;
      }
      seen.add(o.spec.name);
      const text = o.values[0] ?? "";
      const vloc = o.valueLocs[0] ?? o.loc;
      if (o.spec.name === "set-tos") {
        const slash = text.indexOf("/");
        const v = parseU32(slash < 0 ? text : text.slice(0, slash));
        const m = slash < 0 ? 0xff : parseU32(text.slice(slash + 1));
        const named = TOS_NAMES[text.toLowerCase()];
        if (named !== undefined && slash < 0 && v === null) [value, mask] = [named, 0x3f];
        else if (v === null || m === null || v > 0xff || m > 0xff)
          ctx.error("bad-value", slash < 0 ? `TOS: Symbolic name "${text}" is unknown` : `TOS: Illegal value: "${text}"`, vloc);
        else [value, mask] = [v, m];
        continue;
      }
      const v = parseU32(text);
      if (v === null || v > 0xff) {
        ctx.error("bad-value", `TOS: bad value for option "${o.written}", or out of range (0-255)`, vloc);
        continue;
      }
      if (o.spec.name === "and-tos") [value, mask] = [0, ~v & 0xff];
      else if (o.spec.name === "or-tos") [value, mask] = [v, v];
      else [value, mask] = [v, 0];
    }
    reportExclusive(opts, ["set-tos", "and-tos", "or-tos", "xor-tos"], ctx, "TOS");
    if (seen.size === 0) ctx.error("missing-option", "TOS: An action is required", loc);
    return { kind: "target", name: "TOS", loc, value, mask };
  },
  print(t) {
    return `--set-tos ${hex2(t.value)}/${hex2(t.mask)}`;
  },
  evaluate() {
    return { kind: "continue" };
  },
});
