/**
 * `-m rpfilter [--loose] [--validmark] [--accept-local] [--invert]` (iptables-extensions(8),
 * "rpfilter"): reverse-path filter — a route back to the source must exist through the input interface
 * (any interface with `--loose`). The kernel accepts it only in PREROUTING of the raw and mangle tables.
 *
 * Observed with iptables 1.8.9 iptables-save: options print in the order `--loose --validmark
 * --accept-local --invert`; none can be negated with `!` (`--invert` is the negation); `-m rpfilter`
 * alone is valid; INPUT/FORWARD/OUTPUT are refused by the kernel.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, words } from "../util.js";
import { checkHooks, unknown } from "./common.js";

export interface RpfilterMatch extends MatchBase {
  readonly module: "rpfilter";
  readonly loose: boolean;
  readonly validmark: boolean;
  readonly acceptLocal: boolean;
  /** `--invert`: the match result is inverted. */
  readonly invert: boolean;
}

export const rpfilter = defineMatch<RpfilterMatch>({
  name: "rpfilter",
  options: [
    { name: "loose", args: 0 },
    { name: "validmark", args: 0 },
    { name: "accept-local", args: 0 },
    { name: "invert", args: 0 },
  ],
  decode(opts, ctx, loc) {
    if (ctx.table !== "raw" && ctx.table !== "mangle")
      ctx.error("bad-table", `-m rpfilter is only valid in the raw and mangle tables (the kernel refuses it in ${ctx.table})`, loc);
    else checkHooks(ctx, "rpfilter", ["PREROUTING"], loc);
    const o = byName(opts, ctx, "rpfilter");
    return {
      kind: "match",
      module: "rpfilter",
      loc,
      loose: o.has("loose"),
      validmark: o.has("validmark"),
      acceptLocal: o.has("accept-local"),
      invert: o.has("invert"),
    };
  },
  print(m) {
    return words(m.loose && "--loose", m.validmark && "--validmark", m.acceptLocal && "--accept-local", m.invert && "--invert");
  },
  evaluate(m, pkt) {
    // xt_rpfilter passes packets from the loopback device without a lookup.
    if (pkt.inIface === "lo") return !m.invert;
    // Deviation: the route lookup needs the node's routing table, which the dump does not hold.
    const how = m.loose ? "through some interface" : `through ${pkt.inIface ?? "the input interface"}`;
    return unknown(`rpfilter${m.loose ? " loose" : ""}`, `a route back to the source exists ${how} (reverse path check passes)`, m.invert);
  },
});
