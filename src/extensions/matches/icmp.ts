/**
 * `-m icmp --icmp-type {type[/code]|name}` (iptables-extensions(8), "icmp"; IPv4 only). Loaded
 * implicitly by `-p icmp --icmp-type …`; the kernel refuses it unless the rule has `-p icmp`.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy) iptables-save:
 * - names print as numbers: `echo-request` → `8`, `port-unreachable` → `3/3`, `ttl-zero-during-transit`
 *   → `11/0`; a type alone (all codes 0-255) prints without `/code`: `--icmp-type 3`;
 * - `any` prints `any`, and so does every type 255 (`255`, `255/0`: the code is lost, the kernel treats
 *   type 255 as "any type");
 * - names are case-insensitive prefixes (`ECHO-REQ` works, `echo` is ambiguous); numbers are strtoul
 *   base 0 (`0x8` is 8, `08` is refused);
 * - negation prints before the option: `! --icmp-type 3/3`;
 * - `-m icmp` without `--icmp-type` is refused ("option --icmp-type must be specified").
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { formatIcmpType, ICMP_NAMES, parseIcmpType } from "./icmp-types.js";
import { requireProtocol } from "./ports.js";
import { and, not, range, TRUE } from "../../space/expr.js";
import { FIRST_FRAGMENT } from "./ports.js";

export interface IcmpMatch extends MatchBase {
  readonly module: "icmp";
  readonly negated: boolean;
  /** 255 means any type. */
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

export const ICMP_ANY = 0xff;

export const icmp = defineMatch<IcmpMatch>({
  name: "icmp",
  families: [4],
  options: [{ name: "icmp-type", args: 1, negatable: true }],
  decode(opts, ctx, loc, implicit) {
    requireProtocol(ctx, "icmp", PROTO.icmp, loc);
    const base = { kind: "match" as const, module: "icmp" as const, loc, ...(implicit ? { implicit } : {}) };
    const o = byName(opts, ctx, "icmp").get("icmp-type");
    if (!o) {
      ctx.error("missing-option", "icmp: option --icmp-type must be specified", loc);
      return { ...base, negated: false, type: ICMP_ANY, codeMin: 0, codeMax: 0xff };
    }
    const s = parseIcmpType(o.values[0]!, ICMP_NAMES, "ICMP");
    if (typeof s === "string") {
      ctx.error("bad-value", `icmp: ${s}`, o.valueLocs[0] ?? o.loc);
      return { ...base, negated: o.negated, type: ICMP_ANY, codeMin: 0, codeMax: 0xff };
    }
    return { ...base, negated: o.negated, ...s };
  },
  print(m) {
    return `${neg(m.negated)}--icmp-type ${m.type === ICMP_ANY ? "any" : formatIcmpType(m)}`;
  },
  evaluate(m, pkt) {
    // Non-first fragments carry no ICMP header: xt icmp_match never matches them (even negated).
    if (pkt.proto !== PROTO.icmp || pkt.fragment || pkt.icmpType === undefined) return false;
    const code = pkt.icmpCode ?? 0;
    const hit = m.type === ICMP_ANY || (pkt.icmpType === m.type && code >= m.codeMin && code <= m.codeMax);
    return hit !== m.negated;
  },
  space(m) {
    // Later fragments carry no ICMP header: never matched, negated or not. Type 255 is any type.
    const hit = m.type === ICMP_ANY ? TRUE : range("icmp", (m.type << 8) | m.codeMin, (m.type << 8) | m.codeMax);
    return and(range("proto", PROTO.icmp), FIRST_FRAGMENT, not(hit, m.negated));
  },
});
