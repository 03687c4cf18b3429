/**
 * The semantic diff: what changes a packet's fate between two rule sets, each difference proved by a
 * concrete packet.
 *
 * Design note
 * -----------
 * Packet space. A difference is a packet `explain --batch` can describe ({src, dst, proto, sport, dport,
 * from, inIface}) whose outcomes differ; everything else is what explain's reader fills in (the first
 * packet of a NEW connection, SYN for TCP, an echo request for ICMP, mark 0). The origin partitions the
 * input interface: `host` has none, `pod` arrives on the pod interface, `external` on any other.
 *
 * Two passes, both exact.
 * 1. Structural (./structure.ts). Rules are canonicalised (spelling, comments, counters, chain names,
 *    order of independent rules) and chains hashed by content; chains both dumps have verbatim are
 *    recognised by plain text comparison first, so an unchanged 100k-rule dump is never printed.
 *    Built-in chains with equal content behave identically for every packet. Where they differ,
 *    aligning their normal forms leaves a few rules unmatched; only packets whose header can match one
 *    of those (pulled back through NAT and the loopback of local traffic to the packet as it arrives)
 *    can fare differently. This "suspect" set is usually a handful of services, and empty for dumps
 *    that differ only in noise: the common case is decided without evaluating a packet.
 * 2. Behavioural (./explore.ts). Each suspect region is cut into classes on which both rule sets are
 *    uniform (the header cubes of every rule a packet of the region can meet, in both rule sets, through
 *    jumps and NAT, plus what the engine decides from the node: local addresses, routes, address
 *    types), and one packet per class goes through the engine for both rule sets. The engines are
 *    compiled over the rules some explored packet can match (./prune.ts: the others cannot change any
 *    explored outcome; positions are mapped back). Outcomes are compared as probability distributions
 *    over fates per world of assumptions (./outcomes.ts), ignoring chain names and traces. The engine is
 *    the only evaluator: a reported witness is exactly what `explain` says for it on each side.
 * Classes that differ are merged per origin and service port (kube-proxy naming) or suspect region, so
 * that one changed service is one entry, with the union of its classes as a readable predicate
 * (./predicate.ts) and one witness.
 *
 * Exactness. No false "equivalent": every packet outside the suspect set provably behaves the same;
 * inside, every class is compared. A condition src/space cannot represent and that the engine decides
 * from the packet's own fields (e.g. `conntrack --ctorigdst`) may make a class non-uniform: such
 * regions are listed in `limitations`, and the result is then not `complete` (and not `equivalent`).
 * Opaque conditions the engine answers by assumption (recent, ipset, statistic, …) or from node facts
 * the classes already separate (rpfilter, pkttype, addrtype --limit-iface) keep it complete.
 *
 * Kube-aware summary (./kube-summary.ts): services, endpoints, weights, affinity, traffic policies,
 * source ranges, NodePorts, external/LB IPs and stale chains, by service port name.
 *
 * @example
 * const r = diffRulesets(parseRuleset(oldText).value, parseRuleset(newText).value, { context: makeNodeContext() });
 * r.equivalent;                         // false
 * r.differences[0].predicate;           // "tcp dst 10.96.0.10 dport 53"
 * r.differences[0].witness;             // { src: "203.0.113.7", dst: "10.96.0.10", proto: "tcp", sport: 40000, dport: 53, from: "external", inIface: "eth0" }
 */
import type { Ruleset } from "../model/ast.js";
import { makeNodeContext, ORIGINS, type NodeContext, type Origin, type Outcome, type PacketSpec } from "../engine/index.js";
import { formatAddr } from "../net/addr.js";
import { Cube, IntervalSet } from "../space/index.js";
import { explore, witnessDomain, type ClassDiff, type Side } from "./explore.js";
import type { WitnessJson } from "./json.js";
import { catalogue, compareCatalogues, serviceIndex, type KubeSummary } from "./kube-summary.js";
import { regionText } from "./predicate.js";
import { AddressTypes, F, RuleSpaces, addressClasses, localSet } from "./spaces.js";
import { Comparison, Structure, dedupe, natClosure } from "./structure.js";

export { regionText, cubeText, cidrs, mergeCubes } from "./predicate.js";
export { sameFates, fates, outcomeText, type Fate } from "./outcomes.js";
export { catalogue, compareCatalogues, type Catalogue, type KubeSummary, type ServiceChange, type ServiceBrief } from "./kube-summary.js";
export { diffToJson, witnessJson, DIFF_SCHEMA_VERSION, type DiffJson, type DifferenceJson, type WitnessJson } from "./json.js";

export interface DiffOptions {
  /** The node (addresses, routes, interfaces); default `makeNodeContext()`. */
  readonly context?: NodeContext;
  /** Origins to compare (default all three). */
  readonly origins?: readonly Origin[];
  /** Probability tolerance (default 1e-9; the kernel stores probabilities in steps of 2^-31). */
  readonly tolerance?: number;
  /** Most packet classes compared per region (default 20000). */
  readonly maxClasses?: number;
}

export interface Difference {
  readonly origin: Origin;
  /** The service port (`namespace/name:port`) whose packets these are, when kube-proxy names one. */
  readonly service?: string;
  /** The packets concerned, as they arrive: disjoint header cubes. */
  readonly region: readonly Cube[];
  /** The region as text, e.g. `tcp dst 10.96.0.10 dport 53 src ∉ 10.244.0.0/16`. */
  readonly predicate: string;
  /** A packet of the region, exactly as `explain --batch` reads it. */
  readonly witness: WitnessJson;
  /** The packet the witness stands for (defaults filled in by explain's reader). */
  readonly spec: PacketSpec;
  /** The witness's outcomes in the old and new rule set (`diffToJson` prints them as `explain` does). */
  readonly before: readonly Outcome[];
  readonly after: readonly Outcome[];
  /** Packet classes merged into this entry. */
  readonly classes: number;
}

export interface DiffSummary {
  /** Service-level changes when either dump is kube-proxy's, else null. */
  readonly kube: KubeSummary | null;
  /** Built-in chains whose content differs (by table). */
  readonly changedChains: readonly { readonly table: string; readonly chain: string }[];
  /** What was recognised as noise. */
  readonly noise: { readonly renamedChains: number; readonly reorderedChains: number };
}

export interface DiffResult {
  /** True when both rule sets give every packet the same fate (and that was proved: `complete`). */
  readonly equivalent: boolean;
  /** False when some region could only be compared at witnesses (see `limitations`). */
  readonly complete: boolean;
  readonly limitations: readonly string[];
  readonly summary: DiffSummary;
  readonly differences: readonly Difference[];
  readonly stats: { readonly suspectRegions: number; readonly regions: number; readonly classes: number; readonly evaluations: number };
}

/** Why two rule sets cannot be compared, or undefined. */
export function incomparable(a: Ruleset, b: Ruleset): string | undefined {
  if (a.family !== b.family) return `the rule sets are of different families (IPv${a.family} and IPv${b.family})`;
  return undefined;
}

function renamer(s: Structure): (key: string) => string {
  const cache = new Map<string, string>();
  return (key) =>
    key.replace(/[A-Za-z0-9_.-]+/g, (tok) => {
      let v = cache.get(tok);
      if (v === undefined) {
        const h = s.hashOfName(tok);
        v = h ? `#${h}` : tok;
        cache.set(tok, v);
      }
      return v;
    });
}

function side(rs: Ruleset, s: Structure, sp: RuleSpaces): Side {
  return { ruleset: rs, structure: s, spaces: sp, rename: renamer(s) };
}

/** Cut overlapping cubes into disjoint ones (cubes with different single destinations never overlap). */
function disjoint(cubes: readonly Cube[]): Cube[] {
  const out: Cube[] = [];
  const byDst = new Map<string, Cube[]>();
  const wide: Cube[] = [];
  for (const c of cubes) {
    const v = (c.sets[F.dst] as IntervalSet | undefined)?.single();
    const others = v === undefined ? out : [...(byDst.get(String(v)) ?? []), ...wide];
    let pieces = [c];
    for (const o of others) {
      if (!pieces.length) break;
      pieces = pieces.flatMap((p) => (p.meets(o) ? p.subtract(o) : [p]));
    }
    for (const p of pieces) {
      out.push(p);
      const pv = (p.sets[F.dst] as IntervalSet | undefined)?.single();
      if (pv === undefined) wide.push(p);
      else {
        const l = byDst.get(String(pv));
        if (l) l.push(p);
        else byDst.set(String(pv), [p]);
      }
    }
  }
  return out;
}

/** Sources the witness picker prefers (documentation and pod addresses, the kernel lab's clients). */
const ORDINARY_SOURCES = new Set(["203.0.113.7", "10.244.0.2", "192.0.2.10", "2001:db8:ffff::7", "fd00:10:244::2", "2001:db8:0:1::10"]);

function size(c: Cube): number {
  let n = 1;
  for (const f of [F.src, F.dst, F.sport, F.dport]) {
    const s = c.sets[f] as IntervalSet | undefined;
    if (!s) continue;
    let k = 0;
    for (const [lo, hi] of s.intervals()) k += Number(hi - lo + 1n);
    n *= k / (f === F.src || f === F.dst ? 2 ** 32 : 65536);
  }
  return n;
}

/**
 * Compare two rule sets of the same family.
 *
 * @example
 * const r = diffRulesets(before, after, { context: makeNodeContext({ localAddresses: [{ addr: parseAddr("192.0.2.10")! }] }) });
 * for (const d of r.differences) console.log(d.origin, d.predicate, d.before.length, d.after.length);
 */
export function diffRulesets(a: Ruleset, b: Ruleset, opts: DiffOptions = {}): DiffResult {
  const bad = incomparable(a, b);
  if (bad) throw new Error(`bug: diffRulesets called on incomparable rule sets: ${bad}`);
  const ctx = opts.context ?? makeNodeContext();
  const origins = opts.origins ?? ORIGINS;
  const family = a.family;
  const sa = new Structure(a);
  const sb = new Structure(b);
  const types = new AddressTypes(family, ctx);
  const spa = new RuleSpaces(family, types);
  const spb = new RuleSpaces(family, types);
  const cmp = new Comparison(sa, sb, spa, spb);
  const { suspects, changedBuiltins } = cmp.run();
  const catA = catalogue(a);
  const catB = catalogue(b);
  const kube = catA.kube || catB.kube ? compareCatalogues(catA, catB) : null;
  const summary: DiffSummary = { kube, changedChains: changedBuiltins, noise: { renamedChains: cmp.renamed, reorderedChains: cmp.reordered } };
  if (!suspects.length)
    return { equivalent: true, complete: true, limitations: [], summary, differences: [], stats: { suspectRegions: 0, regions: 0, classes: 0, evaluations: 0 } };

  const local = ctx.localAddresses.map((l) => l.addr);
  const regions = disjoint(
    dedupe(
      natClosure(
        suspects,
        [
          { s: sa, sp: spa },
          { s: sb, sp: spb },
        ],
        local,
      ),
    ),
  );
  const ex = explore(regions, side(a, sa, spa), side(b, sb, spb), { context: ctx, origins, tolerance: opts.tolerance ?? 1e-9, ...(opts.maxClasses ? { maxClasses: opts.maxClasses } : {}) });
  const differences = group(ex.diffs, [catA, catB], family, ctx, origins);
  const complete = ex.limitations.length === 0;
  return {
    equivalent: differences.length === 0 && complete,
    complete,
    limitations: ex.limitations,
    summary,
    differences,
    stats: { suspectRegions: regions.length, regions: ex.regions.length, classes: ex.classes, evaluations: ex.evaluations },
  };
}

function group(
  diffs: readonly ClassDiff[],
  cats: Parameters<typeof serviceIndex>[0],
  family: 4 | 6,
  ctx: NodeContext,
  origins: readonly Origin[],
): Difference[] {
  const svc = serviceIndex(cats);
  const label = (d: ClassDiff): { key: string; service?: string } => {
    const c = d.cubes[0]!;
    const p = (c.sets[F.proto] as IntervalSet | undefined)?.single();
    const port = (c.sets[F.dport] as IntervalSet | undefined)?.single();
    if (p !== undefined && port !== undefined) {
      const dst = (c.sets[F.dst] as IntervalSet | undefined)?.single();
      const name = svc(Number(p), dst === undefined ? undefined : formatAddr({ family, value: dst }), Number(port));
      if (name) return { key: `svc:${name}`, service: name };
    }
    return { key: `region:${d.region}` };
  };
  // What input routing drops as martian sources (src/engine/context.ts), for reading regions.
  const classes = addressClasses(family, ctx.localAddresses, ctx.routes);
  const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
  const local = [IntervalSet.empty(max), ...ctx.localAddresses.filter((l) => l.addr.family === family).map((l) => IntervalSet.range(max, l.addr.value, l.addr.value))].reduce((u, x) => u.union(x));
  const loopback = localSet(family, []);
  const martians = {
    martian: classes.martianSrc.reduce((u, x) => u.union(x), IntervalSet.empty(max)).subtract(local.union(loopback)),
    local: local.union(loopback),
  };
  const groups = new Map<string, { service?: string; byOrigin: Map<Origin, ClassDiff[]> }>();
  for (const d of diffs) {
    const l = label(d);
    let g = groups.get(l.key);
    if (!g) groups.set(l.key, (g = { ...(l.service ? { service: l.service } : {}), byOrigin: new Map() }));
    const list = g.byOrigin.get(d.origin);
    if (list) list.push(d);
    else g.byOrigin.set(d.origin, [d]);
  }
  const keys = [...groups.keys()].sort((x, y) => {
    const sx = x.startsWith("svc:");
    const sy = y.startsWith("svc:");
    if (sx !== sy) return sx ? -1 : 1;
    if (sx) return x < y ? -1 : x > y ? 1 : 0;
    return Number(x.slice(7)) - Number(y.slice(7));
  });
  const out: Difference[] = [];
  for (const k of keys) {
    const g = groups.get(k)!;
    for (const origin of origins) {
      const list = g.byOrigin.get(origin);
      if (!list) continue;
      // The witness: preferably an ordinary client (the origin's usual source) to one address.
      let best = list[0]!;
      let bestScore = -1;
      for (const d of list) {
        const single = d.cubes.some((c) => (c.sets[F.dst] as IntervalSet | undefined)?.single() !== undefined);
        const ordinary = ORDINARY_SOURCES.has(d.witness.src);
        const usualIface = d.witness.inIface === undefined || d.witness.inIface === (origin === "pod" ? ctx.podIface : ctx.externalIface);
        const s = (ordinary ? 4 : 0) + (single ? 2 : 0) + (usualIface ? 1 : 0) + Math.min(0.5, d.cubes.reduce((n, c) => n + size(c), 0));
        if (s > bestScore) {
          bestScore = s;
          best = d;
        }
      }
      const region = dedupe(list.flatMap((d) => d.cubes));
      out.push({
        origin,
        ...(g.service ? { service: g.service } : {}),
        region,
        predicate: regionText(region, witnessDomain(family, origin, ctx), origin === "host" ? undefined : martians),
        witness: best.witness,
        spec: best.spec,
        before: best.before.outcomes,
        after: best.after.outcomes,
        classes: list.length,
      });
    }
  }
  return out;
}

/**
 * Whether two dump texts are the same apart from counters and comment lines (`# Generated by …`).
 * Such dumps are equivalent without parsing the second one.
 */
export function sameApartFromCounters(a: string, b: string): boolean {
  const norm = (t: string): string[] => {
    const out: string[] = [];
    for (let line of t.split("\n")) {
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "" || line.startsWith("#")) continue;
      if (line.startsWith("[")) line = line.replace(/^\[\d+:\d+\]\s*/, "");
      else if (line.startsWith(":")) line = line.replace(/\s*\[\d+:\d+\]\s*$/, "");
      out.push(line);
    }
    return out;
  };
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((l, i) => l === y[i]);
}
