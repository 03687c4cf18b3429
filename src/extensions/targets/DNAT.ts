/**
 * `-j DNAT` (iptables-extensions(8), "DNAT"): `--to-destination [ipaddr[-ipaddr]][:port[-port[/base]]]`,
 * `--random`, `--persistent`. Only in the nat table, from PREROUTING and OUTPUT (and chains reached from
 * them). Ports need `-p tcp|udp|sctp|dccp` (see nat-range.ts for the range syntax).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `--to-destination R [--random] [--persistent]` whatever the input order;
 *   `--to` (getopt abbreviation) is read as `--to-destination`;
 * - `--to-destination` is required ('DNAT: option "--to-destination" must be specified') and may be
 *   given only once; DNAT has no `--random-fully` ('unknown option "--random-fully"');
 * - placement: other tables: "DNAT target: only valid in nat table, not filter"; INPUT/POSTROUTING
 *   (directly or through a user chain): "DNAT target: used from hooks INPUT, but only usable from
 *   PREROUTING/OUTPUT" (kernel log; iptables-restore itself only says "RULE_APPEND failed (Invalid
 *   argument)" with nf_tables or "line N failed" with legacy).
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { decodeNatRange, formatNatRange, natRangeText, natRewrite, type NatRange } from "./nat-range.js";

export interface DnatTarget extends TargetBase {
  readonly name: "DNAT";
  /** Absent only after an error (iptables requires it). */
  readonly to?: NatRange;
  readonly random: boolean;
  readonly persistent: boolean;
}

export const DNAT = defineTarget<DnatTarget>({
  name: "DNAT",
  tables: ["nat"],
  hooks: ["PREROUTING", "OUTPUT"],
  options: [
    { name: "to-destination", aliases: ["to"], args: 1 },
    { name: "random", args: 0 },
    { name: "persistent", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "DNAT");
    const to = o.get("to-destination");
    if (!to) ctx.error("missing-option", 'DNAT: option "--to-destination" must be specified', loc);
    const range = to ? decodeNatRange(to, ctx, "DNAT", "keep") : undefined;
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
    return { kind: "nat", nat: "DNAT", packet, detail: t.to ? `to ${natRangeText(t.to, pkt.family)}` : "" };
  },
});
