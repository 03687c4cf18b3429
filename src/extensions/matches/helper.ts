/**
 * `-m helper [!] --helper NAME` (iptables-extensions(8), "helper"): the conntrack helper (ftp, sip, …)
 * that created the expectation this connection came from.
 *
 * Observed with iptables 1.8.9 iptables-save: the name is quoted like free text (`"a b"`, `""`), and
 * cut to 29 characters (the kernel field has 30 bytes); the option is mandatory and given once.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, neg, saveString } from "../util.js";
import { unknown } from "./common.js";

export interface HelperMatch extends MatchBase {
  readonly module: "helper";
  readonly negated: boolean;
  readonly helper: string;
}

export const MAX_HELPER_NAME = 29;

export const helper = defineMatch<HelperMatch>({
  name: "helper",
  options: [{ name: "helper", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "helper").get("helper");
    if (!o) {
      ctx.error("missing-option", "helper: option --helper must be specified", loc);
      return null;
    }
    let name = o.values[0]!;
    if (name.length > MAX_HELPER_NAME) {
      ctx.warn("value-truncated", `helper: the name is longer than ${MAX_HELPER_NAME} characters; iptables keeps the first ${MAX_HELPER_NAME}`, o.valueLocs[0] ?? o.loc);
      name = name.slice(0, MAX_HELPER_NAME);
    }
    return { kind: "match", module: "helper", loc, negated: o.negated, helper: name };
  },
  print(m) {
    return `${neg(m.negated)}--helper ${saveString(m.helper)}`;
  },
  evaluate(m, pkt) {
    // xt_helper: only a connection with a master (an expected, RELATED one) can have a helper.
    if (pkt.ctState !== "RELATED") return m.negated;
    return unknown(`helper:${m.helper}`, `the connection was expected by the ${m.helper || "any"} helper`, m.negated);
  },
});
