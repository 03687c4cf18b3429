/**
 * `-m mac [!] --mac-source XX:XX:XX:XX:XX:XX` (iptables-extensions(8), "mac").
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy) iptables-save: the address prints in LOWER case
 * with two digits per byte (`AA:BB:CC:DD:EE:0F` → `aa:bb:cc:dd:ee:0f`, `a:b:c:d:e:f` →
 * `0a:0b:0c:0d:0e:0f`); `-` separators and short addresses are refused ("Invalid MAC address
 * specified."); the option is mandatory; the kernel accepts the match only in PREROUTING, INPUT and
 * FORWARD.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, neg } from "../util.js";
import { checkHooks, unknown } from "./common.js";

export interface MacMatch extends MatchBase {
  readonly module: "mac";
  readonly negated: boolean;
  /** Canonical form: lower case, `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
}

export function parseMac(text: string): string | null {
  const parts = text.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return parts.map((p) => p.toLowerCase().padStart(2, "0")).join(":");
}

export const mac = defineMatch<MacMatch>({
  name: "mac",
  options: [{ name: "mac-source", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    checkHooks(ctx, "mac", ["PREROUTING", "INPUT", "FORWARD"], loc);
    const o = byName(opts, ctx, "mac").get("mac-source");
    if (!o) {
      ctx.error("missing-option", "mac: option --mac-source must be specified", loc);
      return null;
    }
    const m = parseMac(o.values[0]!);
    if (!m) {
      ctx.error("bad-value", `mac: invalid MAC address '${o.values[0]}' specified (expected XX:XX:XX:XX:XX:XX)`, o.valueLocs[0] ?? o.loc);
      return null;
    }
    return { kind: "match", module: "mac", loc, negated: o.negated, mac: m };
  },
  print(m) {
    return `${neg(m.negated)}--mac-source ${m.mac}`;
  },
  evaluate(m) {
    // Deviation: packets carry no link-layer source address here.
    return unknown(`mac:${m.mac}`, `the packet's source MAC address is ${m.mac}`, m.negated);
  },
});
