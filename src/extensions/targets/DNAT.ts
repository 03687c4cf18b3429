/**
 * `-j DNAT` (iptables-extensions(8), "DNAT"): `--to-destination [ipaddr[-ipaddr]][:port[-port]]`,
 * `--random`, `--persistent`. Only in the nat table, from PREROUTING and OUTPUT (and chains reached from
 * them). Ports need `-p tcp|udp|sctp|dccp`.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { decodeNatRange, formatNatRange, natRewrite, type NatRange } from "./nat-range.js";

export interface DnatTarget extends TargetBase {
  readonly name: "DNAT";
  /** Absent: keep the address and only... (iptables requires it for DNAT; absent only after an error). */
  readonly to?: NatRange;
  readonly random: boolean;
  readonly persistent: boolean;
}

export const DNAT = defineTarget<DnatTarget>({
  name: "DNAT",
  tables: ["nat"],
  hooks: ["PREROUTING", "OUTPUT"],
  options: [
    { name: "to-destination", args: 1 },
    { name: "random", args: 0 },
    { name: "persistent", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "DNAT");
    const to = o.get("to-destination");
    if (!to) ctx.error("missing-option", "DNAT: --to-destination is required", loc);
    const range = to ? decodeNatRange(to, ctx, "DNAT") : undefined;
    return {
      kind: "target",
      name: "DNAT",
      loc,
      ...(range ? { to: range } : {}),
      random: o.has("random"),
      persistent: o.has("persistent"),
    };
  },
  print(t, family) {
    return words(t.to && `--to-destination ${formatNatRange(t.to, family)}`, t.random && "--random", t.persistent && "--persistent");
  },
  evaluate(t, pkt) {
    const packet = natRewrite(pkt, t.to, "dst");
    return { kind: "nat", nat: "DNAT", packet, detail: t.to ? formatNatRange(t.to, pkt.family) : "" };
  },
});
