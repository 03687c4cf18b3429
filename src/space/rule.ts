/**
 * The symbolic form of a rule's conditions: the built-in `-s -d -i -o -p -f` and every match, joined
 * by `and`. The target plays no part (what a rule does is the analyses' business).
 */
import type { Match, Rule } from "../model/ast.js";
import { findMatchExtension } from "../extensions/index.js";
import type { Family, IpNet } from "../net/addr.js";
import { and, not, oneOf, opaque, range, TRUE, type RangeField, type SymExpr } from "./expr.js";
import { compile, type Symbolic } from "./compile.js";

function netExpr(field: RangeField, net: IpNet): SymExpr {
  if (net.prefixLen === null) return opaque(`-${field === "src" ? "s" : "d"} with a non-contiguous mask`);
  const hostBits = (1n << BigInt((net.family === 4 ? 32 : 128) - net.prefixLen)) - 1n;
  return range(field, net.addr, net.addr | hostBits);
}

/**
 * The symbolic form of one match: its extension's `space` hook. A match the tool keeps opaque, or
 * whose extension gives no form, is opaque to the space (lint and diff treat it as unknown).
 */
export function matchExpr(m: Match, family: Family): SymExpr {
  if (m.kind === "opaque-match") return opaque(`-m ${m.module}`);
  const ext = findMatchExtension(m.module);
  return ext?.space ? ext.space(m, family) : opaque(`-m ${m.module}`);
}

/** The conditions of a rule as one expression. */
export function ruleExpr(r: Rule, family: Family): SymExpr {
  const terms: SymExpr[] = [];
  if (r.source) terms.push(not(netExpr("src", r.source.net), r.source.negated));
  if (r.destination) terms.push(not(netExpr("dst", r.destination.net), r.destination.negated));
  for (const [c, field] of [
    [r.inInterface, "inIface"],
    [r.outInterface, "outIface"],
  ] as const) {
    if (!c) continue;
    const prefix = c.name.endsWith("+");
    terms.push(not({ op: "iface", field, name: prefix ? c.name.slice(0, -1) : c.name, prefix }, c.negated));
  }
  // The kernel skips the protocol test when the number is 0 (`-p all`), negated or not.
  if (r.protocol && r.protocol.number !== 0) terms.push(not(range("proto", r.protocol.number), r.protocol.negated));
  if (r.fragment) terms.push(oneOf("frag", [r.fragment.negated ? "first" : "later"]));
  for (const m of r.matches) terms.push(matchExpr(m, family));
  return terms.length ? and(...terms) : TRUE;
}

/**
 * The packets a rule's conditions take: `over` (every packet it may match) and `under` (packets it
 * certainly matches); equal when `exact`.
 *
 * @example
 * const s = ruleSpace(rule, 4);   // -A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j DROP
 * s.exact;                        // true
 * s.over.toString();              // "[src=167772160-184549375 proto=6 dport=22 frag={0}]"
 */
export function ruleSpace(r: Rule, family: Family): Symbolic {
  return compile(ruleExpr(r, family), family);
}
