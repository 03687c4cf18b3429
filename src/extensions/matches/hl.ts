/**
 * `-m hl {[!] --hl-eq N | --hl-lt N | --hl-gt N}` (iptables-extensions(8), "hl"; IPv6 only): the hop
 * limit.
 *
 * Observed with ip6tables 1.8.9 ip6tables-save: printed as given (`! --hl-eq 64`, `--hl-lt 5`), 0-255,
 * exactly one option ("HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'").
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { decodeTtl, evalTtl, printTtl, ttlOptions, type TtlOp } from "./ttl.js";

export interface HlMatch extends MatchBase {
  readonly module: "hl";
  /** `ne` is `! --hl-eq`. */
  readonly op: TtlOp;
  readonly value: number;
}

export const hl = defineMatch<HlMatch>({
  name: "hl",
  families: [6],
  options: ttlOptions("hl"),
  decode(opts, ctx, loc) {
    const r = decodeTtl("hl", opts, ctx, loc);
    return r && { kind: "match", module: "hl", loc, ...r };
  },
  print(m) {
    return printTtl("hl", m.op, m.value);
  },
  evaluate(m) {
    return evalTtl("hl", m.op, m.value);
  },
});
