/**
 * `-m state [!] --state STATES` (iptables-extensions(8), "state"): the old name of
 * `-m conntrack --ctstate` without SNAT/DNAT.
 *
 * Observed with iptables 1.8.9 (nf_tables): `-m state` stays `-m state` in iptables-save (iptables
 * loads it as an alias of xt_conntrack and prints the alias name). States print upper-case in the order
 * INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED, duplicates merged (`ESTABLISHED,RELATED` →
 * `RELATED,ESTABLISHED`, `new,established` → `NEW,ESTABLISHED`); `SNAT`/`DNAT` are refused
 * (`Bad state "SNAT"`); `! --state INVALID`. Evaluated exactly like `--ctstate`.
 */
import type { MatchBase } from "../../model/ast.js";
import type { CtState } from "../../net/packet.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { ctStateMatches, parseStates } from "./conntrack.js";
import { not, oneOf } from "../../space/expr.js";

export interface StateMatch extends MatchBase {
  readonly module: "state";
  readonly negated: boolean;
  /** In print order. */
  readonly states: readonly CtState[];
}

const STATE_PARSE: readonly CtState[] = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"];

export const state = defineMatch<StateMatch>({
  name: "state",
  options: [{ name: "state", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "state").get("state");
    if (!o) {
      ctx.error("missing-option", "state: option --state must be specified", loc);
      return null;
    }
    const r = parseStates(o.values[0]!, STATE_PARSE, "state");
    if (typeof r === "string") {
      ctx.error("bad-value", `state: ${r}`, o.valueLocs[0] ?? o.loc);
      return null;
    }
    return { kind: "match", module: "state", loc, negated: o.negated, states: r };
  },
  print(m) {
    return `${neg(m.negated)}--state ${m.states.join(",")}`;
  },
  evaluate(m, pkt) {
    return ctStateMatches(m, pkt);
  },
  space(m) {
    return not(oneOf("ctstate", m.states), m.negated);
  },
});
