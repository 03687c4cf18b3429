/**
 * `-j SNAT` (iptables-extensions(8), "SNAT"): `--to-source [ipaddr[-ipaddr]][:port[-port]]`, `--random`,
 * `--random-fully`, `--persistent`. Only in the nat table, from POSTROUTING and INPUT. Ports need
 * `-p tcp|udp|sctp|dccp` (see nat-range.ts for the range syntax).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `--to-source R [--random] [--random-fully] [--persistent]` whatever the input order;
 *   `--to` is read as `--to-source`;
 * - `--to-source` is required ('SNAT: option "--to-source" must be specified'), once only;
 * - `port-port/base` is accepted but the base is not stored: it prints as `/0`;
 * - placement: other tables: "SNAT target: only valid in nat table, not mangle"; PREROUTING/OUTPUT
 *   (directly or through a user chain): "SNAT target: used from hooks PREROUTING, but only usable from
 *   INPUT/POSTROUTING" (kernel log).
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { decodeNatRange, formatNatRange, natRangeText, natRewrite, type NatRange } from "./nat-range.js";

export interface SnatTarget extends TargetBase {
  readonly name: "SNAT";
  /** Absent only after an error (iptables requires it). */
  readonly to?: NatRange;
  readonly random: boolean;
  readonly randomFully: boolean;
  readonly persistent: boolean;
}

export const SNAT = defineTarget<SnatTarget>({
  name: "SNAT",
  tables: ["nat"],
  hooks: ["POSTROUTING", "INPUT"],
  options: [
    { name: "to-source", aliases: ["to"], args: 1 },
    { name: "random", args: 0 },
    { name: "random-fully", args: 0 },
    { name: "persistent", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "SNAT");
    const to = o.get("to-source");
    if (!to) ctx.error("missing-option", 'SNAT: option "--to-source" must be specified', loc);
    const range = to ? decodeNatRange(to, ctx, "SNAT", "zero") : undefined;
    if (range?.basePort !== undefined)
      ctx.warn("nat-base-ignored", "SNAT: a /base after the port range is ignored (only DNAT shifts ports); iptables-save prints /0", to!.valueLocs[0] ?? to!.loc);
    return {
      kind: "target",
      name: "SNAT",
      loc,
      ...(range ? { to: range } : {}),
      random: o.has("random"),
      randomFully: o.has("random-fully"),
      persistent: o.has("persistent"),
    };
  },
  print(t, family) {
    return words(
      t.to && `--to-source ${formatNatRange(t.to, family)}`,
      t.random && "--random",
      t.randomFully && "--random-fully",
      t.persistent && "--persistent",
    );
  },
  evaluate(t, pkt) {
    const packet = natRewrite(pkt, t.to, "src");
    return { kind: "nat", nat: "SNAT", packet, detail: t.to ? `to ${natRangeText(t.to, pkt.family)}` : "" };
  },
});
