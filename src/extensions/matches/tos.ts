/**
 * `-m tos [!] --tos VALUE[/MASK] | [!] --tos NAME` (iptables-extensions(8), "tos"; revision 1): the
 * IPv4 TOS / IPv6 traffic class byte, compared as `(tos & mask) == value`.
 *
 * Observed with iptables 1.8.9 iptables-save: always `--tos 0x%02x/0x%02x`; a number without mask gets
 * 0xff (`0x10` and `16` → `0x10/0xff`); the names Minimize-Delay, Maximize-Throughput,
 * Maximize-Reliability, Minimize-Cost, Normal-Service (case-insensitive, exact) get mask 0x3f
 * (`Minimize-Delay` → `0x10/0x3f`); values or masks above 0xff are refused.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { parseCUint, unknown } from "./common.js";

export interface TosMatch extends MatchBase {
  readonly module: "tos";
  readonly negated: boolean;
  readonly value: number;
  readonly mask: number;
}

const NAMES: Readonly<Record<string, number>> = {
  "minimize-delay": 0x10,
  "maximize-throughput": 0x08,
  "maximize-reliability": 0x04,
  "minimize-cost": 0x02,
  "normal-service": 0x00,
};

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

export const tos = defineMatch<TosMatch>({
  name: "tos",
  options: [{ name: "tos", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "tos").get("tos");
    if (!o) {
      ctx.error("missing-option", "tos: option --tos must be specified", loc);
      return null;
    }
    const text = o.values[0]!;
    const vloc = o.valueLocs[0] ?? o.loc;
    const named = NAMES[text.toLowerCase()];
    if (named !== undefined) return { kind: "match", module: "tos", loc, negated: o.negated, value: named, mask: 0x3f };
    const slash = text.indexOf("/");
    const value = parseCUint(slash < 0 ? text : text.slice(0, slash), 0xff);
    const mask = slash < 0 ? 0xff : parseCUint(text.slice(slash + 1), 0xff);
    if (value === null || mask === null) {
      ctx.error("bad-value", `tos: '${text}' is neither a TOS name nor value[/mask] (0-0xff)`, vloc);
      return null;
    }
    return { kind: "match", module: "tos", loc, negated: o.negated, value, mask };
  },
  print(m) {
    return `${neg(m.negated)}--tos ${hex2(m.value)}/${hex2(m.mask)}`;
  },
  evaluate(m) {
    // Deviation: packets carry no TOS byte here.
    const v = `${hex2(m.value)}/${hex2(m.mask)}`;
    return unknown(`tos ${v}`, `the packet's TOS byte matches ${v}`, m.negated);
  },
});
