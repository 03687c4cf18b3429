/**
 * Sets of packets, for analyses that reason about all packets at once (lint's shadowed-rule, the
 * semantic diff).
 *
 * ## Design note
 *
 * A packet is a point with one value per field (src, dst, proto, sport, dport, icmp, frag, tcpFlags,
 * inIface, outIface, mark, connmark, ctstate, ctstatus, srcType, dstType; see expr.ts). A **Space** is
 * a finite union of **cubes**; a cube constrains each field independently with a field set closed under
 * ∩, ∪ and complement (interval sets for numbers, bit sets for small enumerations, value/mask patterns
 * for marks, a longest-prefix table for interface names, sets.ts). Closure per field makes cube minus
 * cube at most one cube per constrained field, so every Space operation is exact and needs no solver.
 *
 * Fields the kernel correlates (an address and its address type, ports and protocol) are free
 * coordinates here: the space holds "impossible" packets too. Every real packet is a point of the space
 * (with its real field values), so a proof about all points holds for all real packets; the converse
 * does not hold, so a witness may be a packet no network produces.
 *
 * Conditions are first written in a small vocabulary (`SymExpr`, expr.ts) that extension files can
 * produce without importing sets; `compile` turns it into two spaces:
 * - `over`: every packet the condition may take (an opaque condition — ipset, recent, statistic, an
 *   unmodelled module — is taken as "maybe", i.e. dropped);
 * - `under`: only packets it certainly takes (an opaque condition makes its conjunct empty).
 * They coincide (`exact`) when nothing opaque is involved; `not` swaps them.
 *
 * Soundness rule for analyses: to prove "no packet does X", cover the over-approximation of the packets
 * that could do X with under-approximations of what prevents it. Shadowing is the example: a candidate
 * rule's `over` must lie inside the union of earlier terminating rules' `under`. A blocker with an
 * opaque condition therefore never shadows anything, while a candidate with one can still be proven
 * shadowed when its representable part is covered (the opaque part can only narrow it further).
 *
 * ## API
 * - `ruleSpace(rule, family)` → `{ over, under, exact, reasons }`; `matchExpr`, `ruleExpr`, `compile`.
 * - `Space`: `full/empty`, `intersect`, `union`, `subtract`, `complement`, `contains`, `equals`,
 *   `isEmpty`, `has(packet)`, `witness()`; `Cube` likewise per cube.
 * - `SymPacket` with `toPacket` / `fromPacket` to replay a witness through the engine.
 *
 * @example
 * import { ruleSpace } from "./space/index.js";
 * const a = ruleSpace(ruleA, 4).under, b = ruleSpace(ruleB, 4).over;
 * if (a.contains(b)) console.log("every packet rule B could match is taken by rule A");
 * else console.log("e.g.", b.subtract(a).witness());
 */
export { Space } from "./space.js";
export { Cube } from "./cube.js";
export { compile, andSym, orSym, type Symbolic } from "./compile.js";
export { ruleSpace, ruleExpr, matchExpr } from "./rule.js";
export * as expr from "./expr.js";
export type { SymExpr, SymField } from "./expr.js";
export { toPacket, fromPacket, type SymPacket } from "./packet.js";
export { FIELD_NAMES, FIELD_INDEX, CT_STATES, CT_STATUS, ADDR_TYPES, ctstateCombo, ctstateDecode } from "./fields.js";
export { IntervalSet, BitSet, TernarySet, IfaceSet } from "./sets.js";
