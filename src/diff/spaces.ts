/**
 * The packet space the diff works in, and what it needs to know about rules as sets of packets.
 *
 * A packet that `explain --batch` can describe varies in six fields only: src, dst, proto, sport,
 * dport and the input interface (explain's reader fixes the rest: a NEW connection's first packet, SYN
 * for TCP, an echo request for ICMP, mark 0, not a fragment). Every other field a rule may test is decided by the path the packet has
 * taken so far (marks set by earlier rules, the NAT status of the connection, the output interface the
 * route of the possibly translated destination picks), so the same for every packet that took that
 * path. The diff therefore projects every rule's packet set (src/space `ruleSpace`) onto the six
 * "header" fields, cube by cube: a cube's projection holds exactly the header values for which the
 * cube's other conditions can hold on some path.
 */
import type { Rule, Target } from "../model/ast.js";
import type { Family, IpAddr } from "../net/addr.js";
import { prefixMask } from "../net/addr.js";
import { ALL_HOSTS, LIMITED_BROADCAST4, LOOPBACK, LOOPBACK_HOST, MULTICAST, THIS_NETWORK4 } from "../net/special.js";
import { ADDR_TYPES, BitSet, Cube, FIELD_INDEX, IfaceSet, IntervalSet, Space, ruleSpace } from "../space/index.js";
import { addrTypes, type NodeContext } from "../engine/index.js";
import type { NatRange } from "../extensions/targets/nat-range.js";

/** The six fields a witness packet sets, by index in src/space's field order. */
export const F = {
  src: FIELD_INDEX.src,
  dst: FIELD_INDEX.dst,
  proto: FIELD_INDEX.proto,
  sport: FIELD_INDEX.sport,
  dport: FIELD_INDEX.dport,
  inIface: FIELD_INDEX.inIface,
} as const;
export const HEADER_FIELDS: readonly number[] = [F.src, F.dst, F.proto, F.sport, F.dport, F.inIface];
const IS_HEADER: readonly boolean[] = Array.from({ length: 16 }, (_, i) => HEADER_FIELDS.includes(i));

export const addrMax = (family: Family): bigint => (family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n);

/** The cube with only its header fields kept (null when nothing is left, which cannot happen for a cube). */
export function project(c: Cube): Cube | null {
  let other = false;
  for (let i = 0; i < c.sets.length; i++) if (!IS_HEADER[i] && c.sets[i] !== undefined) other = true;
  if (!other) return c;
  return Cube.of(
    c.family,
    c.sets.map((s, i) => (IS_HEADER[i] ? s : undefined)),
  );
}

/** The cube with the given fields unconstrained. */
export function free(c: Cube, fields: readonly number[]): Cube {
  if (!fields.some((f) => c.sets[f] !== undefined)) return c;
  return Cube.of(
    c.family,
    c.sets.map((s, i) => (fields.includes(i) ? undefined : s)),
  )!;
}

const keys = new WeakMap<Cube, string>();

/** A cube's identity as text (cubes are immutable: computed once). */
export function cubeKey(c: Cube): string {
  let k = keys.get(c);
  if (k === undefined) keys.set(c, (k = c.toString()));
  return k;
}

/** One header field constrained to a set. */
export function fieldCube(family: Family, field: number, set: IntervalSet | IfaceSet): Cube | null {
  const sets: (IntervalSet | IfaceSet | undefined)[] = new Array(16).fill(undefined);
  sets[field] = set;
  return Cube.of(family, sets);
}

export function addrRange(family: Family, lo: bigint, hi: bigint): IntervalSet {
  return IntervalSet.range(addrMax(family), lo, hi);
}

export function prefixRange(family: Family, addr: bigint, len: number): IntervalSet {
  const host = addrMax(family) & ~prefixMask(family, len);
  return addrRange(family, addr & prefixMask(family, len), (addr & prefixMask(family, len)) | host);
}

export function portSet(lo: number, hi = lo): IntervalSet {
  return IntervalSet.range(65535n, BigInt(lo), BigInt(hi));
}

export function protoSet(p: number): IntervalSet {
  return IntervalSet.range(255n, BigInt(p), BigInt(p));
}

/** What the diff knows about one rule as a set of packets. */
export interface RuleSet {
  /** Header projections of the cubes of the rule's `over` space (every packet it may match). */
  readonly header: readonly Cube[];
  /** Whether src/space represents the rule exactly. */
  readonly exact: boolean;
  readonly reasons: readonly string[];
  /** Whether some cube constrains the source's address type (`-m addrtype --src-type`). */
  readonly srcTypes: boolean;
}

/**
 * Addresses by the type `-m addrtype` sees them with on this node. src/space keeps address types as
 * free coordinates; the node context decides them, so a rule's `--dst-type LOCAL` is a set of
 * destinations here (which keeps NodePort rules from covering every address). Built from the address
 * classes, asking the engine (`addrTypes`) for the type of each class.
 */
export class AddressTypes {
  private readonly atoms: { set: IntervalSet; value: number }[] = [];
  private readonly memo = new Map<string, IntervalSet>();

  constructor(
    readonly family: Family,
    ctx: NodeContext,
  ) {
    const max = addrMax(family);
    const cuts = new Set<bigint>([0n]);
    for (const set of addressClasses(family, ctx.localAddresses, ctx.routes).dst)
      for (const [lo, hi] of set.intervals()) {
        cuts.add(lo);
        if (hi < max) cuts.add(hi + 1n);
      }
    const points = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    points.forEach((lo, i) => {
      const hi = i + 1 < points.length ? points[i + 1]! - 1n : max;
      let value = 0;
      for (const t of addrTypes(ctx, { family, value: lo })) value |= 1 << ADDR_TYPES.indexOf(t);
      this.atoms.push({ set: IntervalSet.range(max, lo, hi), value });
    });
  }

  /** The addresses whose type set is one of `types`'s values. */
  addresses(types: BitSet): IntervalSet {
    const k = types.toString();
    let s = this.memo.get(k);
    if (!s) {
      s = IntervalSet.empty(addrMax(this.family));
      for (const a of this.atoms) if (types.has(a.value)) s = s.union(a.set);
      this.memo.set(k, s);
    }
    return s;
  }

  /** The cube with its address-type conditions turned into address conditions (null: no address). */
  restrict(c: Cube): Cube | null {
    let out: Cube | null = c;
    for (const [typeField, addrField] of [
      [FIELD_INDEX.srcType, F.src],
      [FIELD_INDEX.dstType, F.dst],
    ] as const) {
      const t = out?.sets[typeField] as BitSet | undefined;
      if (out && t) out = out.narrow(addrField, this.addresses(t));
    }
    return out;
  }
}

/** Rule spaces, computed once per rule. */
export class RuleSpaces {
  private readonly memo = new Map<Rule, RuleSet>();
  constructor(
    readonly family: Family,
    /** When given, address-type conditions narrow the addresses (exact for this node). */
    readonly types?: AddressTypes,
  ) {}

  of(r: Rule): RuleSet {
    let s = this.memo.get(r);
    if (!s) {
      const sym = ruleSpace(r, this.family);
      const header: Cube[] = [];
      const seen = new Set<string>();
      let srcTypes = false;
      for (const c0 of sym.over.cubes) {
        if (c0.sets[FIELD_INDEX.srcType] !== undefined) srcTypes = true;
        const c = this.types ? this.types.restrict(c0) : c0;
        if (!c) continue;
        const p = project(c);
        if (!p) continue;
        const k = cubeKey(p);
        if (seen.has(k)) continue;
        seen.add(k);
        header.push(p);
      }
      // An opaque addrtype (--limit-iface) may test the source type as well.
      if (sym.reasons.some((x) => x.startsWith("addrtype"))) srcTypes = true;
      s = { header, exact: sym.exact, reasons: sym.reasons, srcTypes };
      this.memo.set(r, s);
    }
    return s;
  }

  space(r: Rule): Space {
    return Space.of(this.family, this.of(r).header);
  }
}

// ---- NAT ------------------------------------------------------------------------------------------

export type NatTargetName = "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT" | "loopback";

/** How a NAT rule rewrites the header: which fields change, and to what (over-approximated). */
export interface NatEffect {
  readonly name: NatTargetName;
  /** Fields it may rewrite. */
  readonly fields: readonly number[];
  /** The values rewritten fields take, as a cube over those fields only. */
  readonly image: Cube | null;
  /**
   * Conditions on the original header that decide whether a field is kept or rewritten (a port or
   * source already inside the NAT range is kept): cubes to split by.
   */
  readonly keeps: readonly Cube[];
  /** Set when the new value depends on the old one in a way sets do not follow (`DNAT … :a-b/base`). */
  readonly inexact?: string;
}

export function natEffect(t: Target | null, family: Family, localAddrs: readonly IpAddr[]): NatEffect | null {
  if (!t || t.kind !== "target") return null;
  const name = t.name;
  if (name !== "DNAT" && name !== "SNAT" && name !== "MASQUERADE" && name !== "REDIRECT") return null;
  const isDst = name === "DNAT" || name === "REDIRECT";
  const addrF = isDst ? F.dst : F.src;
  const portF = isDst ? F.dport : F.sport;
  const range: NatRange | undefined =
    name === "DNAT" || name === "SNAT" ? (t as unknown as { to?: NatRange }).to : (t as unknown as { ports?: NatRange }).ports;
  const fields: number[] = [];
  const sets: (IntervalSet | undefined)[] = new Array(16).fill(undefined);
  const keeps: Cube[] = [];
  let inexact: string | undefined;
  if (name === "DNAT" || name === "SNAT") {
    if (range?.minAddr) {
      fields.push(addrF);
      const lo = range.minAddr.value;
      const hi = range.maxAddr?.value ?? lo;
      sets[addrF] = addrRange(family, lo < hi ? lo : hi, lo < hi ? hi : lo);
      if (name === "SNAT" && lo !== hi) {
        const k = fieldCube(family, addrF, addrRange(family, lo < hi ? lo : hi, lo < hi ? hi : lo));
        if (k) keeps.push(k);
      }
    }
  } else {
    // MASQUERADE: the address of the output interface; REDIRECT: of the input one (or loopback).
    fields.push(addrF);
    let set = IntervalSet.empty(addrMax(family));
    const loop = LOOPBACK_HOST[family];
    for (const v of [loop, ...localAddrs.filter((a) => a.family === family).map((a) => a.value)]) set = set.union(addrRange(family, v, v));
    sets[addrF] = set;
  }
  if (range?.minPort !== undefined) {
    fields.push(portF);
    const lo = range.minPort;
    const hi = range.maxPort ?? lo;
    sets[portF] = portSet(lo, hi);
    if (lo !== hi) {
      const k = fieldCube(family, portF, portSet(lo, hi));
      if (k) keeps.push(k);
    }
    if (range.basePort !== undefined && range.basePort !== 0) inexact = `${name} maps ports with an offset (/${range.basePort})`;
  }
  return {
    name,
    fields,
    image: fields.length ? Cube.of(family, sets) : null,
    keeps,
    ...(inexact ? { inexact } : {}),
  };
}

/** Addresses the node owns: loopback and the node addresses. */
export function localSet(family: Family, local: readonly IpAddr[]): IntervalSet {
  let set = prefixRange(family, LOOPBACK[family].base, LOOPBACK[family].len);
  for (const a of local) if (a.family === family) set = set.union(addrRange(family, a.value, a.value));
  return set;
}

/**
 * The one header rewrite the pipeline itself makes: a locally generated packet to a local address
 * loops back through `lo` (PREROUTING and INPUT see it with input interface `lo`; src/engine/pipeline.ts).
 */
export function loopbackEffect(family: Family, local: readonly IpAddr[]): NatEffect {
  const sets: (IntervalSet | IfaceSet | undefined)[] = new Array(16).fill(undefined);
  sets[F.inIface] = IfaceSet.name("lo", false);
  sets[F.dst] = localSet(family, local);
  return { name: "loopback", fields: [F.inIface], image: Cube.of(family, sets), keeps: [] };
}

// ---- Node context ----------------------------------------------------------------------------------

/** Address classes the engine tells apart by itself (src/engine/context.ts), per use. */
export interface AddressClasses {
  /** Destinations: locality, routes, martian destinations, multicast and broadcast delivery, addrtype. */
  readonly dst: readonly IntervalSet[];
  /** Sources of arriving packets: input routing drops martians (own, multicast, broadcast, 0.0.0.0/8). */
  readonly martianSrc: readonly IntervalSet[];
  /** Sources as `addrtype --src-type` sees them. */
  readonly srcTypes: readonly IntervalSet[];
}

interface LocalLike {
  readonly addr: IpAddr;
  readonly prefixLen?: number;
}

/**
 * The boundaries of those classes. A boundary too many only splits a region in two; one too few could
 * hide a difference, so the lists follow the engine's node facts closely (loopback, node addresses and
 * their subnets' broadcasts, routes, 0.0.0.0/8, multicast and the all-hosts group, the limited
 * broadcast; for IPv6 the unspecified address, ::1, multicast and all-nodes).
 */
export function addressClasses(family: Family, local: readonly LocalLike[], routes: readonly { family: Family; addr: bigint; prefixLen: number }[]): AddressClasses {
  const point = (v: bigint) => addrRange(family, v, v);
  const own: IntervalSet[] = [];
  const broadcasts: IntervalSet[] = [];
  for (const l of local) {
    if (l.addr.family !== family) continue;
    own.push(point(l.addr.value));
    if (l.prefixLen !== undefined) {
      const net = prefixRange(family, l.addr.value, l.prefixLen);
      broadcasts.push(net, point(net.hull()![1]));
    }
  }
  const routed = routes.filter((r) => r.family === family && r.prefixLen > 0).map((r) => prefixRange(family, r.addr, r.prefixLen));
  const defaultRoute = routes.some((r) => r.family === family && r.prefixLen === 0);
  const loop = prefixRange(family, LOOPBACK[family].base, LOOPBACK[family].len);
  const multicast = prefixRange(family, MULTICAST[family].base, MULTICAST[family].len);
  if (family === 4) {
    const zero = prefixRange(4, THIS_NETWORK4.base, THIS_NETWORK4.len);
    const limited = point(LIMITED_BROADCAST4);
    return {
      dst: [loop, zero, point(0n), multicast, point(ALL_HOSTS[4]), limited, ...own, ...broadcasts, ...routed],
      martianSrc: [loop, zero, multicast, limited, ...own],
      srcTypes: [loop, point(0n), multicast, limited, ...own, ...broadcasts, ...(defaultRoute ? [] : routed)],
    };
  }
  return {
    dst: [loop, point(0n), multicast, point(ALL_HOSTS[6]), ...own, ...routed],
    martianSrc: [loop, multicast, ...own],
    srcTypes: [loop, point(0n), multicast, ...own, ...(defaultRoute ? [] : routed)],
  };
}
