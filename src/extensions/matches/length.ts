/**
 * `-m length [!] --length LEN[:LEN]` (iptables-extensions(8), "length"): the layer-3 packet length
 * (IPv4 total length; IPv6 payload length plus the 40-byte header).
 *
 * Observed with iptables 1.8.9 iptables-save: `5:5` → `5`, `100:` → `100:65535`, `:200` → `0:200`,
 * `0:65535` and an inverted `200:100` are printed as is; numbers are strtoul base 0 (`0x10:010` →
 * `16:8`); above 65535 is refused; the option is mandatory; `! --length`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { parseCUint, unknown } from "./common.js";

export interface LengthMatch extends MatchBase {
  readonly module: "length";
  readonly negated: boolean;
  readonly min: number;
  readonly max: number;
}

export const length = defineMatch<LengthMatch>({
  name: "length",
  options: [{ name: "length", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "length").get("length");
    if (!o) {
      ctx.error("missing-option", "length: option --length must be specified", loc);
      return null;
    }
    const text = o.values[0]!;
    const colon = text.indexOf(":");
    const a = colon < 0 ? text : text.slice(0, colon);
    const b = colon < 0 ? text : text.slice(colon + 1);
    const min = a === "" ? 0 : parseCUint(a, 65535);
    const max = b === "" ? 65535 : parseCUint(b, 65535);
    if (min === null || max === null) {
      ctx.error("bad-value", `length: bad value for option --length near '${min === null ? a : b}', or out of range (0-65535)`, o.valueLocs[0] ?? o.loc);
      return null;
    }
    return { kind: "match", module: "length", loc, negated: o.negated, min, max };
  },
  print(m) {
    return `${neg(m.negated)}--length ${m.min === m.max ? m.min : `${m.min}:${m.max}`}`;
  },
  evaluate(m, pkt) {
    const range = m.min === m.max ? `${m.min}` : `${m.min}:${m.max}`;
    if (pkt.length === undefined) return unknown(`length ${range}`, `the packet is ${range} bytes long`, m.negated);
    return (pkt.length >= m.min && pkt.length <= m.max) !== m.negated;
  },
});
