/**
 * Regions as people read them: `tcp dst 10.96.0.10 dport 53 src ∉ 10.244.0.0/16`.
 *
 * A region is a union of header cubes. Cubes that differ in one field only are merged (their sets
 * united) until no pair does; each cube prints its fields in the order protocol, dst, dport, src, sport,
 * input interface, leaving out unconstrained fields. A set prints as itself or as the complement of its
 * complement, whichever is shorter (addresses as CIDR blocks).
 */
import { formatAddr, type Family } from "../net/addr.js";
import { protoName } from "../net/packet.js";
import { Cube, IfaceSet, IntervalSet, Space } from "../space/index.js";
import { F, HEADER_FIELDS } from "./spaces.js";

type AnyHeaderSet = IntervalSet | IfaceSet;

function setUnion(a: AnyHeaderSet | undefined, b: AnyHeaderSet | undefined): AnyHeaderSet | undefined {
  if (a === undefined || b === undefined) return undefined;
  return (a as { union(o: AnyHeaderSet): AnyHeaderSet }).union(b);
}

function hull(cubes: readonly Cube[]): Cube | null {
  const sets: (AnyHeaderSet | undefined)[] = new Array(16).fill(undefined);
  for (const f of HEADER_FIELDS) {
    let u: AnyHeaderSet | undefined = cubes[0]!.sets[f] as AnyHeaderSet | undefined;
    for (const c of cubes) {
      if (u === undefined) break;
      u = setUnion(u, c.sets[f] as AnyHeaderSet | undefined);
    }
    sets[f] = u;
  }
  return Cube.of(cubes[0]!.family, sets);
}

/**
 * Fewer, larger cubes for the same packets: the bounding cube when the region fills it; otherwise
 * cubes equal in all header fields but one are merged (that field's sets united), field by field,
 * until nothing merges.
 */
export function mergeCubes(cubes: readonly Cube[], limit = 5000): Cube[] {
  if (cubes.length < 2) return [...cubes];
  const h = hull(cubes);
  if (h && cubes.length <= limit && Space.of(h.family, [h]).subtract(Space.of(h.family, cubes)).isEmpty()) return [h];
  let list = [...cubes];
  for (let changed = true; changed && list.length > 1; ) {
    changed = false;
    for (const f of HEADER_FIELDS) {
      const groups = new Map<string, Cube[]>();
      for (const c of list) {
        const key = HEADER_FIELDS.filter((g) => g !== f)
          .map((g) => c.sets[g]?.toString() ?? "*")
          .join("|");
        const l = groups.get(key);
        if (l) l.push(c);
        else groups.set(key, [c]);
      }
      if (groups.size === list.length) continue;
      changed = true;
      list = [...groups.values()].map((g) => {
        if (g.length === 1) return g[0]!;
        const sets = g[0]!.sets.slice();
        sets[f] = g.reduce<AnyHeaderSet | undefined>((u, c) => setUnion(u, c.sets[f] as AnyHeaderSet | undefined), g[0]!.sets[f] as AnyHeaderSet | undefined);
        return Cube.of(g[0]!.family, sets)!;
      });
    }
  }
  return list;
}

/** Largest CIDR blocks covering [lo, hi] exactly. */
export function cidrs(family: Family, lo: bigint, hi: bigint): string[] {
  const width = family === 4 ? 32 : 128;
  const out: string[] = [];
  while (lo <= hi) {
    let size = 0;
    while (size < width) {
      const block = 1n << BigInt(size + 1);
      if (lo % block !== 0n || lo + block - 1n > hi) break;
      size++;
    }
    const len = width - size;
    out.push(len === width ? formatAddr({ family, value: lo }) : `${formatAddr({ family, value: lo })}/${len}`);
    lo += 1n << BigInt(size);
  }
  return out;
}

const MAX_ITEMS = 6;

function list(items: readonly string[]): string {
  if (items.length === 1) return items[0]!;
  const shown = items.length > MAX_ITEMS ? [...items.slice(0, MAX_ITEMS - 1), `… ${items.length - MAX_ITEMS + 1} more`] : items;
  return `{${shown.join(", ")}}`;
}

function addrItems(set: IntervalSet, family: Family): string[] {
  return set.intervals().flatMap(([lo, hi]) => cidrs(family, lo, hi));
}

function numItems(set: IntervalSet, name?: (n: number) => string): string[] {
  return set.intervals().map(([lo, hi]) => (lo === hi ? (name ? name(Number(lo)) : `${lo}`) : `${lo}-${hi}`));
}

/**
 * `name value`, `name ∈ {…}` or `name ∉ {…}`, whichever is shorter; `∉` lists what the domain (the
 * field's values the origin allows) has and the set has not.
 */
function field(label: string, set: IntervalSet, items: (s: IntervalSet) => string[], domain?: IntervalSet): string {
  const yes = items(set);
  const no = items(domain ? domain.subtract(set) : set.complement());
  if (yes.length === 1 && set.single() !== undefined) return `${label} ${yes[0]}`;
  if (no.length < yes.length) return `${label} ∉ ${list(no)}`;
  return `${label} ∈ ${list(yes)}`;
}

function ifaceText(set: IfaceSet, domain?: IfaceSet): string {
  if (domain && set.subsetOf(domain)) {
    // Name what the origin's interfaces lose, when that is a plain list.
    const gone = domain.subtract(set);
    if (gone.entries.get("+") === false && [...gone.entries].every(([k, v]) => k === "+" || v)) {
      const names = [...gone.entries.keys()].filter((k) => k !== "+").map((k) => (k[0] === "+" ? `${k.slice(1)}+` : k.slice(1) || '""'));
      if (names.length) return names.length === 1 ? `iif ≠ ${names[0]}` : `iif ∉ ${list(names)}`;
    }
  }
  const names = (v: boolean) => [...set.entries].filter(([k, d]) => k !== "+" && d === v).map(([k]) => (k[0] === "+" ? `${k.slice(1)}+` : k.slice(1) || '""'));
  const root = set.entries.get("+") === true;
  const plain = root ? names(false) : names(true);
  if (!plain.length) return root ? "" : "iif ∈ {}";
  if (!root && plain.length === 1 && !plain[0]!.endsWith("+")) return `iif ${plain[0]}`;
  return `iif ${root ? "∉" : "∈"} ${list(plain)}`;
}

/** One cube: `tcp dst 10.96.0.10 dport 53 src ∉ 10.244.0.0/16`. */
export function cubeText(c: Cube, domain?: Cube): string {
  const family = c.family;
  const parts: string[] = [];
  const iv = (f: number) => c.sets[f] as IntervalSet | undefined;
  const proto = iv(F.proto);
  const domProto = domain?.sets[F.proto] as IntervalSet | undefined;
  if (proto && !(domProto && proto.equals(domProto))) {
    const p = proto.single();
    parts.push(p !== undefined ? protoName(Number(p)) : field("proto", proto, (s) => numItems(s, protoName), domProto));
  }
  const dst = iv(F.dst);
  if (dst) parts.push(field("dst", dst, (s) => addrItems(s, family)));
  const dport = iv(F.dport);
  if (dport) parts.push(field("dport", dport, (s) => numItems(s)));
  const src = iv(F.src);
  if (src) parts.push(field("src", src, (s) => addrItems(s, family)));
  const sport = iv(F.sport);
  if (sport) parts.push(field("sport", sport, (s) => numItems(s)));
  const ifs = c.sets[F.inIface] as IfaceSet | undefined;
  const dom = domain?.sets[F.inIface] as IfaceSet | undefined;
  if (ifs && !(dom && ifs.equals(dom))) {
    const t = ifaceText(ifs, dom);
    if (t) parts.push(t);
  }
  return parts.length ? parts.join(" ") : "any packet";
}

/** Most cubes a region's text spells out. */
const MAX_TERMS = 8;

function volume(c: Cube): number {
  let v = 0;
  for (const f of [F.src, F.dst, F.dport, F.proto]) {
    const s = c.sets[f] as IntervalSet | undefined;
    if (!s) {
      v += 128;
      continue;
    }
    let n = 0;
    for (const [lo, hi] of s.intervals()) n += Number(hi - lo + 1n);
    v += Math.log2(n);
  }
  return v;
}

/**
 * Sources the text may treat as part of a region without saying so: packets input routing drops as
 * martians whatever the rules say (any source in `martian`; a local source arriving on another
 * interface than lo). Leaving them out keeps "tcp dst 10.96.0.10 dport 53" from reading "… src ∉
 * {0.0.0.0/8, 127.0.0.0/8, …}".
 */
export interface Martians {
  readonly martian: IntervalSet;
  readonly local: IntervalSet;
}

/** The region with martian sources added back wherever that makes it simpler. */
function withMartians(cubes: readonly Cube[], m: Martians, domain: Cube | undefined): Cube[] {
  const notLo = IfaceSet.name("lo", false).complement();
  const extra: Cube[] = [];
  for (const c of cubes) {
    const a = Cube.of(c.family, c.sets.map((s, i) => (i === F.src ? m.martian : s)));
    const iif = (c.sets[F.inIface] as IfaceSet | undefined) ?? (domain?.sets[F.inIface] as IfaceSet | undefined) ?? IfaceSet.full();
    const b = Cube.of(
      c.family,
      c.sets.map((s, i) => (i === F.src ? m.local : i === F.inIface ? iif.intersect(notLo) : s)),
    );
    for (const x of [a, b]) {
      const y = x && domain ? x.intersect(domain) : x;
      if (y) extra.push(y);
    }
  }
  const merged = mergeCubes([...cubes, ...extra]);
  // Pieces that are martians only say nothing: leave them out.
  const onlyMartian = (c: Cube) => {
    const src = (c.sets[F.src] as IntervalSet | undefined) ?? IntervalSet.full(m.martian.max);
    if (src.subsetOf(m.martian)) return true;
    const iif = c.sets[F.inIface] as IfaceSet | undefined;
    return src.subsetOf(m.martian.union(m.local)) && !!iif && !iif.has("lo");
  };
  const kept = merged.filter((c) => !onlyMartian(c));
  return kept.length ? kept : [...cubes];
}

/**
 * A region (union of cubes) as text; `domain` is what the origin implies (not repeated), `martians`
 * the sources that may be taken as included (see Martians). Regions that stay fragmented print their
 * largest parts and how many more there are.
 */
export function regionText(cubes: readonly Cube[], domain?: Cube, martians?: Martians): string {
  // The simplest of: the region as it is, with martian sources, with non-local martian sources only.
  const candidates = [mergeCubes(cubes)];
  if (martians) {
    const none = IntervalSet.empty(martians.martian.max);
    candidates.push(withMartians(cubes, martians, domain), withMartians(cubes, { martian: martians.martian, local: none }, domain));
  }
  const size = (l: readonly Cube[]) => l.length * 10_000 + l.map((c) => cubeText(c, domain).length).reduce((a, b) => a + b, 0);
  const merged = [...candidates.reduce((best, c) => (size(c) < size(best) ? c : best))].sort((a, b) => volume(b) - volume(a));
  const shown = merged.slice(0, merged.length > MAX_TERMS ? MAX_TERMS - 1 : MAX_TERMS).map((c) => cubeText(c, domain));
  if (merged.length > shown.length) shown.push(`… ${merged.length - shown.length} more`);
  return shown.join(" or ");
}
