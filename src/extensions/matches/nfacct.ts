/**
 * `-m nfacct --nfacct-name NAME` (iptables-extensions(8), "nfacct"): counts the packet in an extended
 * accounting object; always matches. The object must exist (`nfacct add NAME`) or the rule is refused.
 *
 * Observed with iptables 1.8.9 iptables-save (objects made with nfacct 1.0.2): the name is printed with
 * TWO spaces before it, quoted like other free text: `--nfacct-name  acc1`, `--nfacct-name  "acc 2"`;
 * the option is mandatory and cannot be negated.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, saveString } from "../util.js";
import { TRUE } from "../../space/expr.js";

export interface NfacctMatch extends MatchBase {
  readonly module: "nfacct";
  readonly name: string;
}

/** NFACCT_NAME_MAX - 1. */
export const MAX_NFACCT_NAME = 31;

export const nfacct = defineMatch<NfacctMatch>({
  name: "nfacct",
  options: [{ name: "nfacct-name", args: 1 }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "nfacct").get("nfacct-name");
    if (!o) {
      ctx.error("missing-option", "nfacct: option --nfacct-name must be specified", loc);
      return null;
    }
    const name = o.values[0]!;
    if (name.length > MAX_NFACCT_NAME || name === "")
      ctx.error("bad-value", `nfacct: the name must be 1-${MAX_NFACCT_NAME} characters`, o.valueLocs[0] ?? o.loc);
    return { kind: "match", module: "nfacct", loc, name };
  },
  print(m) {
    return `--nfacct-name  ${saveString(m.name)}`;
  },
  evaluate() {
    return true;
  },
  space() {
    return TRUE;
  },
});
