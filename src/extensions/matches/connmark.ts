/**
 * `-m connmark [!] --mark value[/mask]` (iptables-extensions(8), "connmark"): the connection's mark,
 * compared as `(ctmark & mask) == value`.
 *
 * Observed with iptables 1.8.9 iptables-save: printed exactly like `-m mark` (`0x1/0x1`, `5` → `0x5`,
 * `! --mark 0x5`, mask 0xffffffff omitted).
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg } from "../util.js";
import { decodeMarkOption, formatMarkMask } from "./mark.js";
import { and, masked, not, oneOf } from "../../space/expr.js";

export interface ConnmarkMatch extends MatchBase {
  readonly module: "connmark";
  readonly negated: boolean;
  readonly value: number;
  readonly mask: number;
}

export const connmark = defineMatch<ConnmarkMatch>({
  name: "connmark",
  options: [{ name: "mark", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const c = decodeMarkOption("connmark", opts, ctx, loc);
    return c && { kind: "match", module: "connmark", loc, ...c };
  },
  print(m) {
    return `${neg(m.negated)}--mark ${formatMarkMask(m)}`;
  },
  evaluate(m, pkt) {
    // No conntrack entry (INVALID/UNTRACKED): xt_connmark does not match, even negated.
    if (pkt.ctState === "INVALID" || pkt.ctState === "UNTRACKED") return false;
    return ((pkt.connmark & m.mask) >>> 0 === m.value) !== m.negated;
  },
  space(m) {
    // No conntrack entry (INVALID, UNTRACKED): no match, negated or not.
    return and(oneOf("ctstate", ["NEW", "ESTABLISHED", "RELATED"]), not(masked("connmark", m.value, m.mask), m.negated));
  },
});
