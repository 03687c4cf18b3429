/**
 * The fields of a symbolic packet, their universes, and how enumerated conditions (conntrack state,
 * address types, fragments) map onto small bit-set universes.
 */
import type { Family } from "../net/addr.js";
import type { SymField } from "./expr.js";
import { BitSet, IfaceSet, IntervalSet, TernarySet } from "./sets.js";

/** Field order inside a cube (also the order cube subtraction splits on). */
export const FIELD_NAMES = [
  "src",
  "dst",
  "proto",
  "sport",
  "dport",
  "icmp",
  "frag",
  "tcpFlags",
  "inIface",
  "outIface",
  "mark",
  "connmark",
  "ctstate",
  "ctstatus",
  "srcType",
  "dstType",
] as const satisfies readonly SymField[];

export const FIELD_COUNT = FIELD_NAMES.length;
export const FIELD_INDEX: Readonly<Record<SymField, number>> = Object.fromEntries(FIELD_NAMES.map((n, i) => [n, i])) as Record<
  SymField,
  number
>;

export type AnySet = IntervalSet | BitSet | TernarySet | IfaceSet;

// ---- Enumerations -----------------------------------------------------------------------------------

export const FRAG_VALUES = ["first", "later"] as const;

/** Conntrack states a packet is in (one of them), in this order. */
export const CT_STATES = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"] as const;
export type CtStateName = (typeof CT_STATES)[number];
/** A ctstate value: state index × 4 + SNAT bit × 2 + DNAT bit (20 values). */
export const CTSTATE_VALUES = CT_STATES.length * 4;

export function ctstateCombo(state: CtStateName, snat: boolean, dnat: boolean): number {
  return CT_STATES.indexOf(state) * 4 + (snat ? 2 : 0) + (dnat ? 1 : 0);
}
export function ctstateDecode(v: number): { state: CtStateName; snat: boolean; dnat: boolean } {
  return { state: CT_STATES[Math.floor(v / 4)]!, snat: (v & 2) !== 0, dnat: (v & 1) !== 0 };
}
/**
 * The words `--ctstate` tests for a ctstate value. xt_conntrack adds the SNAT/DNAT words only when the
 * packet has a conntrack entry (not for INVALID or UNTRACKED packets).
 */
export function ctstateWords(v: number): string[] {
  const { state, snat, dnat } = ctstateDecode(v);
  const words: string[] = [state];
  if (state !== "INVALID" && state !== "UNTRACKED") {
    if (snat) words.push("SNAT");
    if (dnat) words.push("DNAT");
  }
  return words;
}
/** States that have a conntrack entry (the other conntrack options only hold for these). */
export const TRACKED_STATES: readonly CtStateName[] = ["NEW", "ESTABLISHED", "RELATED"];

export const CT_STATUS = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;
export const CTSTATUS_VALUES = 1 << CT_STATUS.length;

/** `-m addrtype` types, in the kernel's bit order (XT_ADDRTYPE_UNSPEC = 1 << 0 …). */
export const ADDR_TYPES = [
  "UNSPEC",
  "UNICAST",
  "LOCAL",
  "BROADCAST",
  "ANYCAST",
  "MULTICAST",
  "BLACKHOLE",
  "UNREACHABLE",
  "PROHIBIT",
  "THROW",
  "NAT",
  "XRESOLVE",
] as const;
/** An address-type value is the set of types the address has (IPv6 addresses can have several). */
export const ADDRTYPE_VALUES = 1 << ADDR_TYPES.length;

// ---- Universes ------------------------------------------------------------------------------------

const PORT_MAX = 65535n;
const ADDR_MAX: Record<Family, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

/** The full set of field `i`. */
export function fullSet(i: number, family: Family): AnySet {
  switch (FIELD_NAMES[i]) {
    case "src":
    case "dst":
      return IntervalSet.full(ADDR_MAX[family]);
    case "proto":
      return IntervalSet.full(255n);
    case "sport":
    case "dport":
    case "icmp":
      return IntervalSet.full(PORT_MAX);
    case "frag":
      return BitSet.full(2);
    case "tcpFlags":
      return BitSet.full(256);
    case "inIface":
    case "outIface":
      return IfaceSet.full();
    case "mark":
    case "connmark":
      return TernarySet.full();
    case "ctstate":
      return BitSet.full(CTSTATE_VALUES);
    case "ctstatus":
      return BitSet.full(CTSTATUS_VALUES);
    case "srcType":
    case "dstType":
      return BitSet.full(ADDRTYPE_VALUES);
    default:
      throw new Error(`bug: no field ${i}`);
  }
}

export function addrMax(family: Family): bigint {
  return ADDR_MAX[family];
}

const enumCache = new Map<string, BitSet>();

/** The values of an enumerated field that carry one of `words` (unknown words match nothing). */
export function enumSet(field: "frag" | "ctstate" | "ctstatus" | "srcType" | "dstType", words: readonly string[]): BitSet {
  const key = `${field}:${[...words].sort().join(",")}`;
  const hit = enumCache.get(key);
  if (hit) return hit;
  const want = new Set(words.map((w) => w.toUpperCase()));
  let s: BitSet;
  switch (field) {
    case "frag":
      s = BitSet.where(2, (v) => want.has(FRAG_VALUES[v]!.toUpperCase()));
      break;
    case "ctstate":
      s = BitSet.where(CTSTATE_VALUES, (v) => ctstateWords(v).some((w) => want.has(w)));
      break;
    case "ctstatus": {
      let m = 0;
      CT_STATUS.forEach((n, i) => {
        if (want.has(n)) m |= 1 << i;
      });
      s = BitSet.where(CTSTATUS_VALUES, (v) => (v & m) !== 0);
      break;
    }
    case "srcType":
    case "dstType": {
      let m = 0;
      ADDR_TYPES.forEach((n, i) => {
        if (want.has(n)) m |= 1 << i;
      });
      s = BitSet.where(ADDRTYPE_VALUES, (v) => (v & m) !== 0);
      break;
    }
  }
  enumCache.set(key, s);
  return s;
}
