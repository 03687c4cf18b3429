/**
 * `-j NOTRACK` (iptables-extensions(8), "NOTRACK"): no options; the packet (and its connection) is not
 * tracked, so later `-m conntrack --ctstate` / `-m state --state` see UNTRACKED and NAT does not apply.
 * The kernel implements it as `CT --notrack` (an alias revision of xt_CT).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18: iptables-save prints `-j
 * NOTRACK` as written (not `-j CT --notrack`); it takes no options ('unknown option "--notrack"');
 * placement: raw table only (PREROUTING, OUTPUT); elsewhere "CT target: only valid in raw table, not
 * mangle" (kernel log).
 */
import type { TargetBase } from "../../model/ast.js";
import type { Packet } from "../../net/packet.js";
import { defineTarget } from "../types.js";

export interface NotrackTarget extends TargetBase {
  readonly name: "NOTRACK";
}

/** The packet as later rules see it once it is marked untracked. */
export function untracked(pkt: Packet): Packet {
  return { ...pkt, ctState: "UNTRACKED", ctStatus: new Set(), ctDnat: false, ctSnat: false };
}

export const NOTRACK = defineTarget<NotrackTarget>({
  name: "NOTRACK",
  tables: ["raw"],
  options: [],
  decode(_opts, _ctx, loc) {
    return { kind: "target", name: "NOTRACK", loc };
  },
  print() {
    return "";
  },
  evaluate(_t, pkt) {
    return { kind: "continue", packet: untracked(pkt) };
  },
});
