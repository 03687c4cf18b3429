/**
 * `-m icmp6 --icmpv6-type {type[/code]|name}` (iptables-extensions(8), "icmp6"; IPv6 only; `-m icmpv6`
 * is an alias). Loaded implicitly by `-p icmpv6 --icmpv6-type …`; the kernel refuses it unless the rule
 * has `-p icmpv6` (58).
 *
 * Observed with ip6tables 1.8.9 ip6tables-save:
 * - always prints `-m icmp6` (also for `-m icmpv6`), and `-p ipv6-icmp`;
 * - names print as numbers: `echo-request` → `128`, `neighbor-solicitation` → `135`,
 *   `port-unreachable` → `1/4`; a type alone prints without `/code`;
 * - there is no `any`, and 255 is an ordinary type (`--icmpv6-type 255` prints `255`);
 * - names are case-insensitive prefixes (`neighbour` is ambiguous); negation prints as
 *   `! --icmpv6-type 1/4`.
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { formatIcmpType, ICMPV6_NAMES, parseIcmpType } from "./icmp-types.js";
import { requireProtocol } from "./ports.js";
import { and, not, range } from "../../space/expr.js";
import { FIRST_FRAGMENT } from "./ports.js";

export interface Icmp6Match extends MatchBase {
  readonly module: "icmp6";
  readonly negated: boolean;
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

export const icmp6 = defineMatch<Icmp6Match>({
  name: "icmp6",
  aliases: ["icmpv6"],
  families: [6],
  options: [{ name: "icmpv6-type", args: 1, negatable: true }],
  decode(opts, ctx, loc, implicit) {
    requireProtocol(ctx, "icmp6", PROTO.icmpv6, loc);
    const base = { kind: "match" as const, module: "icmp6" as const, loc, ...(implicit ? { implicit } : {}) };
    const o = byName(opts, ctx, "icmp6").get("icmpv6-type");
    if (!o) {
      ctx.error("missing-option", "icmp6: option --icmpv6-type must be specified", loc);
      return { ...base, negated: false, type: 0, codeMin: 0, codeMax: 0xff };
    }
    const s = parseIcmpType(o.values[0]!, ICMPV6_NAMES, "ICMPv6");
    if (typeof s === "string") {
      ctx.error("bad-value", `icmp6: ${s}`, o.valueLocs[0] ?? o.loc);
      return { ...base, negated: o.negated, type: 0, codeMin: 0, codeMax: 0xff };
    }
    return { ...base, negated: o.negated, ...s };
  },
  print(m) {
    return `${neg(m.negated)}--icmpv6-type ${formatIcmpType(m)}`;
  },
  evaluate(m, pkt) {
    if (pkt.proto !== PROTO.icmpv6 || pkt.fragment || pkt.icmpType === undefined) return false;
    const code = pkt.icmpCode ?? 0;
    return (pkt.icmpType === m.type && code >= m.codeMin && code <= m.codeMax) !== m.negated;
  },
  space(m) {
    // Later fragments carry no ICMPv6 header: never matched, negated or not.
    return and(range("proto", PROTO.icmpv6), FIRST_FRAGMENT, not(range("icmp", (m.type << 8) | m.codeMin, (m.type << 8) | m.codeMax), m.negated));
  },
});
