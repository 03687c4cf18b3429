/**
 * The exact pass: inside each suspect region, split packet space into classes on which both rule sets
 * behave uniformly, and compare one packet of each class through the engine.
 *
 * Why a class is uniform. Two packets of a class agree on every condition of every rule they can meet,
 * in both rule sets. The conditions are found by walking, for the region, every chain a packet of it
 * can enter (from every built-in chain, following jumps, over-approximately: a rule is relevant when its
 * packet set meets the region). Each relevant rule splits the region by each cube of its header
 * projection (see ./spaces.ts: other fields are decided by the path). When a relevant NAT rule rewrites
 * the header, the walk goes on, in every table again, with the rewritten region, and the conditions met
 * there are pulled back to the arriving packet by freeing the rewritten fields (the rewritten value is
 * the same for every packet of a class: a constant, or kept, which a split by the NAT range decides).
 * What the engine decides from the node splits the region too: the address classes of source and
 * destination (locality, routes, martians, broadcast and multicast, address types; spaces.ts
 * addressClasses), `lo` as input interface, the protocol's defaults (ports, SYN, ICMP echo), and the
 * loopback of local traffic (a pseudo NAT step that sets the input interface to lo). Everything the
 * engine computes for a packet is then a function of its class, so comparing one representative per
 * class is exhaustive; the representative is evaluated by the engine itself (single source of
 * evaluation semantics). Classes are per origin; a pod class whose external twin (same headers, no rule
 * telling the interfaces apart) compared equal is not evaluated again.
 *
 * Limits. A condition src/space cannot represent (`over` wider than the real set) does not split the
 * region: when the engine decides such a condition from the packet's own fields (instead of branching
 * on an assumption, as for `recent`, `set`, `statistic`), packets of one class may differ; such regions
 * are reported as compared at a witness, not proven (`limitations`).
 */
import { BUILTIN_CHAINS, TABLE_NAMES, type Chain, type Rule, type Ruleset } from "../model/ast.js";
import { compile, type Evaluation, type NodeContext, type Origin, type PacketSpec } from "../engine/index.js";
import { prune } from "./prune.js";
import { parseAddr, type Family, type IpAddr } from "../net/addr.js";
import { PROTO } from "../net/packet.js";
import { Cube, IfaceSet, IntervalSet } from "../space/index.js";
import { parsePacketFields } from "../explain/spec.js";
import { witnessJson, type WitnessJson } from "./json.js";
import { fates, sameFates } from "./outcomes.js";
import { F, RuleSpaces, addressClasses, cubeKey, fieldCube, free, loopbackEffect, natEffect, protoSet, type NatEffect } from "./spaces.js";
import { dedupe, isNoop, ruleBox, type Box, type Structure } from "./structure.js";

/** One rule set as the exploration sees it. */
export interface Side {
  readonly ruleset: Ruleset;
  readonly structure: Structure;
  readonly spaces: RuleSpaces;
  /** Rename-invariant form of an assumption key. */
  readonly rename: (key: string) => string;
}

export interface ClassDiff {
  readonly origin: Origin;
  /** Index of the explored region (a suspect region, or a piece of one). */
  readonly region: number;
  /** The packets of the class (disjoint cubes). */
  readonly cubes: readonly Cube[];
  /** The witness as `explain --batch` reads it, and the packet that object stands for. */
  readonly witness: WitnessJson;
  readonly spec: PacketSpec;
  readonly before: Evaluation;
  readonly after: Evaluation;
}

export interface ExploreOptions {
  readonly context: NodeContext;
  readonly origins: readonly Origin[];
  readonly tolerance: number;
  /** Most classes compared in one region before it is reported as too complex. */
  readonly maxClasses?: number;
}

export interface ExploreResult {
  readonly diffs: ClassDiff[];
  /** The regions explored (the suspect regions, some cut in pieces). */
  readonly regions: Cube[];
  readonly classes: number;
  readonly evaluations: number;
  readonly limitations: string[];
}

// ---- Finding the relevant conditions ---------------------------------------------------------------

interface NatStep {
  /** Undefined for the pipeline's loopback of local traffic. */
  readonly rule?: Rule;
  readonly effect: NatEffect;
}

/** Splits of one region, in the coordinates of the arriving packet. */
class Splits {
  readonly cubes = new Map<string, Cube>();
  readonly limitations = new Set<string>();
  /** NAT step sequences met (the coordinates of each context). */
  readonly contexts = new Map<string, readonly NatStep[]>([["", []]]);

  constructor(
    readonly q: Cube,
    /** Rules some packet of the region may match, per rule set (the evaluation keeps only these). */
    readonly relevant: readonly Set<Rule>[],
  ) {}

  /** Splits that only packets arriving on an interface need (input routing's martian sources). */
  readonly arriving = new Map<string, Cube>();
  /** Some relevant rule tests the source's address type (`addrtype --src-type`). */
  srcTypes = false;

  /** Split by `c` as seen after `steps`: every way of freeing the fields the steps rewrote. */
  add(c: Cube, steps: readonly NatStep[], into: Map<string, Cube> = this.cubes): void {
    let variants = [c];
    for (let i = steps.length - 1; i >= 0; i--) {
      const f = steps[i]!.effect.fields;
      variants = dedupe(variants.flatMap((v) => [v, free(v, f)]));
    }
    for (const v of variants) {
      const m = v.intersect(this.q);
      if (!m || this.q.subsetOf(m)) continue;
      const k = cubeKey(m);
      if (!into.has(k)) into.set(k, m);
    }
  }
}

const INDEX_MIN = 32;

/** Candidate rules of a long chain for a region: by destination host and destination port. */
class ChainIndex {
  private readonly byDst = new Map<bigint, number[]>();
  /** All rules by single destination port; rules without a single destination by port. */
  private readonly byPort = new Map<number, number[]>();
  private readonly noDstByPort = new Map<number, number[]>();
  private readonly noPort: number[] = [];
  private readonly noDstNoPort: number[] = [];
  private readonly noDst: number[] = [];
  private readonly boxes: Box[] = [];

  constructor(chain: Chain, family: Family) {
    chain.rules.forEach((r, i) => {
      const box = ruleBox(r, family);
      this.boxes[i] = box;
      const d = box.dst && box.dst[0] === box.dst[1] ? box.dst[0] : undefined;
      const p = box.dport && box.dport[0] === box.dport[1] ? box.dport[0] : undefined;
      if (d !== undefined) push(this.byDst, d, i);
      else {
        this.noDst.push(i);
        if (p !== undefined) push(this.noDstByPort, p, i);
        else this.noDstNoPort.push(i);
      }
      if (p !== undefined) push(this.byPort, p, i);
      else this.noPort.push(i);
    });
  }

  query(region: readonly Cube[]): number[] {
    const out = new Set<number>();
    const take = (list: readonly number[] | undefined, y: Cube) => {
      for (const i of list ?? []) if (boxMeets(this.boxes[i]!, y)) out.add(i);
    };
    for (const y of region) {
      const v = (y.sets[F.dst] as IntervalSet | undefined)?.single();
      const port = (y.sets[F.dport] as IntervalSet | undefined)?.single();
      if (v !== undefined) {
        take(this.byDst.get(v), y);
        if (port !== undefined) {
          take(this.noDstByPort.get(Number(port)), y);
          take(this.noDstNoPort, y);
        } else take(this.noDst, y);
      } else if (port !== undefined) {
        take(this.byPort.get(Number(port)), y);
        take(this.noPort, y);
      } else
        this.boxes.forEach((b, i) => {
          if (boxMeets(b, y)) out.add(i);
        });
    }
    return [...out].sort((a, b) => a - b);
  }
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function hullMeets(s: IntervalSet | undefined, r: readonly [bigint, bigint] | readonly [number, number] | undefined): boolean {
  if (!s || !r) return true;
  const h = s.hull();
  return !!h && h[0] <= BigInt(r[1]) && BigInt(r[0]) <= h[1];
}

function boxMeets(b: Box, c: Cube): boolean {
  return (
    hullMeets(c.sets[F.dst] as IntervalSet | undefined, b.dst) &&
    hullMeets(c.sets[F.src] as IntervalSet | undefined, b.src) &&
    hullMeets(c.sets[F.dport] as IntervalSet | undefined, b.dport) &&
    hullMeets(c.sets[F.sport] as IntervalSet | undefined, b.sport) &&
    hullMeets(c.sets[F.proto] as IntervalSet | undefined, b.proto === undefined ? undefined : [b.proto, b.proto])
  );
}

/**
 * Opaque conditions that are the same for every witness packet: the engine answers them by an
 * assumption (recent lists, ipsets, sockets, rates, clocks, payloads) or from packet fields a witness
 * never sets (bridge ports, MAC, owner, length, TTL, TOS/DSCP, conntrack helper).
 */
const ASSUMED =
  /^(statistic|-m (recent|set|socket|limit|hashlimit|connlimit|connbytes|quota|time|cgroup|cpu|nfacct|comment|physdev|mac|owner|length|ttl|hl|tos|dscp|helper|string|u32|policy|cluster|devgroup)\b)/;

/**
 * Conditions src/space leaves opaque whose engine evaluation depends on the packet only through what
 * the node-context splits (contextSplits) already decide: the address classes of source and
 * destination, and whether the input interface is `lo`. Anything else the engine reads from the packet
 * stays a limitation.
 */
const DECIDED_BY_CONTEXT: readonly RegExp[] = [
  // xt_rpfilter: `lo` passes; otherwise a route lookup the engine takes as an assumption.
  /^-m rpfilter\b/,
  // pkttype: multicast / broadcast / unicast, from the destination address.
  /^-m pkttype\b/,
  // addrtype with --limit-iface-in/out: address types on the input/output interface.
  /^addrtype --limit-iface/,
];

class Relevance {
  private readonly indexes = new Map<Chain, ChainIndex | null>();
  private readonly ids = new Map<Rule, number>();

  constructor(
    readonly side: Side,
    readonly local: readonly IpAddr[],
    /** Which of `Splits.relevant` this rule set fills. */
    readonly which: number,
  ) {}

  private index(c: Chain): ChainIndex | null {
    let ix = this.indexes.get(c);
    if (ix === undefined) {
      ix = c.rules.length >= INDEX_MIN ? new ChainIndex(c, this.side.structure.family) : null;
      this.indexes.set(c, ix);
    }
    return ix;
  }

  private id(r: Rule | undefined): number {
    if (!r) return -1;
    let i = this.ids.get(r);
    if (i === undefined) this.ids.set(r, (i = this.ids.size));
    return i;
  }

  /** Collect the splits of `out.q` this rule set asks for. */
  collect(out: Splits): void {
    const s = this.side.structure;
    const family = s.family;
    const queue: { region: Cube[]; steps: NatStep[]; key: string }[] = [{ region: [out.q], steps: [], key: "" }];
    const seenCtx = new Set<string>([`|${cubeKey(out.q)}`]);
    const visited = new Set<string>();
    let contexts = 0;
    while (queue.length) {
      const ctx = queue.shift()!;
      if (++contexts > 5000) {
        out.limitations.add("too many NAT paths to follow; some rewritten packets were not split exactly");
        break;
      }
      const walk = (table: string, name: string, region: Cube[], depth: number, stack: readonly string[]): void => {
        const chain = s.rawChain(table, name);
        if (!chain || depth > 64) return;
        const vk = `${ctx.key}|${table}/${name}|${region.map(cubeKey).join("∪")}`;
        if (visited.has(vk)) return;
        visited.add(vk);
        const ix = this.index(chain);
        const cand = ix ? ix.query(region) : chain.rules.map((_, i) => i);
        const relevant = out.relevant[this.which]!;
        for (const i of cand) {
          const r = chain.rules[i]!;
          const rs = this.side.spaces.of(r);
          if (isNoop(r)) {
            // Counting-only rules split nothing, but outcomes list them in their trace.
            if (rs.header.some((h) => region.some((y) => y.meets(h)))) relevant.add(r);
            continue;
          }
          const z: Cube[] = [];
          for (const h of rs.header) {
            let hit = false;
            for (const y of region) {
              const m = y.intersect(h);
              if (m) {
                z.push(m);
                hit = true;
              }
            }
            if (hit) out.add(h, ctx.steps);
          }
          if (!z.length) continue;
          relevant.add(r);
          if (rs.srcTypes) out.srcTypes = true;
          if (!rs.exact)
            for (const why of rs.reasons)
              if (!ASSUMED.test(why) && !DECIDED_BY_CONTEXT.some((re) => re.test(why)))
                out.limitations.add(`${table} ${name} rule ${i + 1} (line ${r.loc.line}): ${why} is not represented as a packet set`);
          const t = r.target;
          if (t?.kind === "jump") {
            if (!stack.includes(t.chain)) walk(table, t.chain, dedupe(z), depth + 1, [...stack, name]);
            continue;
          }
          const e = natEffect(t, family, this.local);
          if (!e) continue;
          for (const k of e.keeps) out.add(k, ctx.steps);
          if (e.inexact) out.limitations.add(`${table} ${name} rule ${i + 1} (line ${r.loc.line}): ${e.inexact}`);
          if (!e.image || rank(e) <= lastRank) continue;
          const img = dedupe(z.map((c) => free(c, e.fields).intersect(e.image!)).filter((c): c is Cube => c !== null));
          if (!img.length) continue;
          const steps = [...ctx.steps, { rule: r, effect: e }];
          const key = steps.map((st) => this.id(st.rule)).join(">");
          const ck = `${key}|${img.map(cubeKey).join("∪")}`;
          if (seenCtx.has(ck)) continue;
          seenCtx.add(ck);
          out.contexts.set(key, steps);
          queue.push({ region: img, steps, key });
        }
      };
      const lastRank = ctx.steps.length ? rank(ctx.steps[ctx.steps.length - 1]!.effect) : 0;
      // After a source NAT (nat POSTROUTING or INPUT) no table runs for the packet but the loopback
      // pass; after the loopback, nat is not consulted again (src/engine/pipeline.ts).
      if (lastRank !== 2)
        for (const table of TABLE_NAMES) if (lastRank !== 3 || table !== "nat") for (const hook of BUILTIN_CHAINS[table]) walk(table, hook, ctx.region, 0, [hook]);
      // A packet of this context sent by the host to a local address comes back through lo.
      if (lastRank < 3) {
        const lo = loopbackEffect(family, this.local);
        const img = dedupe(ctx.region.map((c) => free(c, lo.fields).intersect(lo.image!)).filter((c): c is Cube => c !== null));
        if (img.length) {
          const steps = [...ctx.steps, { effect: lo }];
          const key = steps.map((st) => this.id(st.rule)).join(">");
          const ck = `${key}|${img.map(cubeKey).join("∪")}`;
          if (!seenCtx.has(ck)) {
            seenCtx.add(ck);
            out.contexts.set(key, steps);
            queue.push({ region: img, steps, key });
          }
        }
      }
    }
  }
}

/**
 * The order NAT happens in, for one connection: destination NAT (nat PREROUTING/OUTPUT) before source
 * NAT (nat POSTROUTING/INPUT) before the loopback of local traffic; each at most once.
 */
function rank(e: NatEffect): number {
  return e.name === "loopback" ? 3 : e.name === "SNAT" || e.name === "MASQUERADE" ? 2 : 1;
}

/** Splits every region gets from the node and the protocol defaults. */
function contextSplits(out: Splits, family: Family, ctx: NodeContext): void {
  // Routing, locality, martians and address types: decided by the address classes of both addresses.
  const classes = addressClasses(family, ctx.localAddresses, ctx.routes);
  for (const steps of out.contexts.values()) {
    for (const s of classes.dst) out.add(fieldCube(family, F.dst, s)!, steps);
    for (const s of classes.martianSrc) out.add(fieldCube(family, F.src, s)!, steps, out.arriving);
    if (out.srcTypes) for (const s of classes.srcTypes) out.add(fieldCube(family, F.src, s)!, steps);
  }
  // Ports and TCP flags exist by protocol; ICMP types have no field in a witness.
  for (const p of [PROTO.icmp, PROTO.tcp, PROTO.udp, PROTO.dccp, PROTO.icmpv6, PROTO.sctp, PROTO.udplite]) out.add(fieldCube(family, F.proto, protoSet(p))!, []);
  // REDIRECT and addrtype --limit-iface read the input interface's addresses.
  for (const l of ctx.localAddresses) if (l.iface) out.add(fieldCube(family, F.inIface, IfaceSet.name(l.iface, false))!, []);
  // Input routing and rpfilter treat `lo` apart (a local source is no martian there).
  out.add(fieldCube(family, F.inIface, IfaceSet.name("lo", false))!, []);
}

// ---- Classes and representatives -------------------------------------------------------------------

/** The arrangement of `splits` inside `q`: classes of packets on the same side of every split. */
export function arrangement(q: Cube, splits: readonly Cube[], max: number): Cube[][] | null {
  let cells: Cube[][] = [[q]];
  for (const s of splits) {
    const next: Cube[][] = [];
    for (const cell of cells) {
      const ins: Cube[] = [];
      const outs: Cube[] = [];
      for (const c of cell) {
        if (!c.meets(s)) {
          outs.push(c);
          continue;
        }
        const i = c.intersect(s);
        if (i) ins.push(i);
        outs.push(...c.subtract(s));
      }
      if (ins.length && outs.length) next.push(ins, outs);
      else next.push(cell);
    }
    cells = next;
    if (cells.length > max) return null;
  }
  return cells;
}

/**
 * The packets of an origin that a witness object can describe: the origin's input interfaces (none for
 * `host`, the pod interface for `pod`, any other for `external`) and a real protocol of the family.
 */
export function witnessDomain(family: Family, origin: Origin, ctx: NodeContext): Cube {
  const none = IfaceSet.name("", false);
  const pod = IfaceSet.name(ctx.podIface, false);
  const ifs = origin === "host" ? none : origin === "pod" ? pod : none.union(pod).complement();
  const wrongIcmp = family === 4 ? PROTO.icmpv6 : PROTO.icmp;
  const protos = IntervalSet.range(255n, 1n, 255n).subtract(protoSet(wrongIcmp));
  return fieldCube(family, F.inIface, ifs)!.narrow(F.proto, protos)!;
}

const PREFERRED: Readonly<Record<Family, Readonly<Record<Origin | "dst", readonly string[]>>>> = {
  4: {
    external: ["203.0.113.7", "198.51.100.7", "192.0.2.7", "10.0.0.7", "172.16.0.7", "192.168.0.7"],
    pod: ["10.244.0.2", "10.244.1.7", "10.0.0.7", "172.17.0.2", "192.168.0.7", "203.0.113.7"],
    host: ["192.0.2.10", "10.0.0.10", "127.0.0.1", "203.0.113.7"],
    dst: ["198.51.100.10", "203.0.113.10", "192.0.2.10", "10.96.0.10", "10.0.0.10"],
  },
  6: {
    external: ["2001:db8:ffff::7", "2001:db8:1::7", "fd00::7"],
    pod: ["fd00:10:244::2", "fd00:10:244:1::7", "fd00::7", "2001:db8:ffff::7"],
    host: ["2001:db8:0:1::10", "fd00::10", "::1"],
    dst: ["2001:db8:ff::10", "2001:db8:0:1::10", "fd00:10:96::10"],
  },
};

const parsed = new Map<readonly string[], bigint[]>();

function addrs(family: Family, list: readonly string[]): bigint[] {
  let v = parsed.get(list);
  if (!v) parsed.set(list, (v = list.map((t) => parseAddr(t, family)!.value)));
  return v;
}

function pickBig(set: IntervalSet | undefined, prefs: readonly bigint[]): { v: bigint; preferred: boolean } {
  if (!set) return { v: prefs[0]!, preferred: true };
  for (const p of prefs) if (set.has(p)) return { v: p, preferred: true };
  const [lo, hi] = set.intervals()[0]!;
  // Avoid network-looking addresses: inside a wide interval take the 7th value.
  return { v: hi - lo >= 7n ? lo + 7n : lo, preferred: false };
}

const PORT_PROTOS = new Set<number>([PROTO.tcp, PROTO.udp, PROTO.sctp, PROTO.dccp, PROTO.udplite]);

/** A packet of the class, with the most ordinary values the class allows, as a witness object. */
export function representative(cell: readonly Cube[], origin: Origin, family: Family, ctx: NodeContext): WitnessJson {
  const nodeIps = ctx.localAddresses.filter((l) => l.addr.family === family).map((l) => l.addr.value);
  const srcPrefs = origin === "host" ? [...nodeIps, ...addrs(family, PREFERRED[family].host)] : addrs(family, PREFERRED[family][origin]);
  const dstPrefs = [...addrs(family, PREFERRED[family].dst), ...nodeIps];
  const protoPrefs = family === 4 ? [6n, 17n, 1n, 132n] : [6n, 17n, 58n, 132n];
  let best: { w: WitnessJson; score: number } | undefined;
  for (const c of cell) {
    const src = pickBig(c.sets[F.src] as IntervalSet | undefined, srcPrefs);
    const dst = pickBig(c.sets[F.dst] as IntervalSet | undefined, dstPrefs);
    const proto = pickBig(c.sets[F.proto] as IntervalSet | undefined, protoPrefs);
    const sport = pickBig(c.sets[F.sport] as IntervalSet | undefined, [40000n, 12345n, 1024n]);
    const dport = pickBig(c.sets[F.dport] as IntervalSet | undefined, [80n, 443n, 53n, 8080n, 30000n]);
    const ifs = c.sets[F.inIface] as IfaceSet | undefined;
    const defIf = origin === "external" ? ctx.externalIface : origin === "pod" ? ctx.podIface : "";
    const inIface = !ifs || ifs.has(defIf) ? defIf : (ifs.witness() ?? defIf);
    const p = Number(proto.v);
    const w = witnessJson({
      src: { family, value: src.v },
      dst: { family, value: dst.v },
      proto: p,
      ...(PORT_PROTOS.has(p) ? { sport: Number(sport.v), dport: Number(dport.v) } : {}),
      from: origin,
      ...(origin !== "host" ? { inIface } : {}),
    });
    const score = [src, dst, proto, sport, dport].filter((x) => x.preferred).length + (inIface === defIf ? 1 : 0);
    if (!best || score > best.score) best = { w, score };
  }
  return best!.w;
}

/** The packet a witness object stands for, read exactly as `explain --batch` reads it. */
export function witnessSpec(w: WitnessJson, family: Family): PacketSpec {
  const r = parsePacketFields(w as unknown as Record<string, unknown>, family);
  if (!r.ok) throw new Error(`bug: witness ${JSON.stringify(w)} is not a packet explain reads: ${r.error}`);
  return r.value;
}

// ---- The pass ----------------------------------------------------------------------------------------

/** Above this many splits a region is first cut by the destination (or port) values its rules name. */
const DECOMPOSE_AT = 96;

function singles(splits: Iterable<Cube>, field: number, q: Cube): bigint[] {
  const out = new Set<bigint>();
  const qs = q.sets[field] as IntervalSet | undefined;
  for (const s of splits) {
    const v = (s.sets[field] as IntervalSet | undefined)?.single();
    if (v !== undefined && (!qs || qs.has(v))) out.add(v);
  }
  return [...out];
}

function cutBy(q: Cube, field: number, values: readonly bigint[], max: bigint): Cube[] {
  const out: Cube[] = [];
  let rest = IntervalSet.full(max);
  for (const v of values) {
    const one = IntervalSet.range(max, v, v);
    rest = rest.subtract(one);
    const c = q.narrow(field, one);
    if (c) out.push(c);
  }
  const r = q.narrow(field, rest);
  if (r) out.push(r);
  return out;
}

export function explore(regions: readonly Cube[], a: Side, b: Side, opts: ExploreOptions): ExploreResult {
  const family = a.structure.family;
  const ctx = opts.context;
  const local = ctx.localAddresses.map((l) => l.addr);
  const rel = [new Relevance(a, local, 0), new Relevance(b, local, 1)];
  const relevant = [new Set<Rule>(), new Set<Rule>()];
  const maxClasses = opts.maxClasses ?? 20000;
  const limitations = new Set<string>();

  // 1. Cut regions into pieces small enough to split, and find each piece's splits and rules.
  const planned: { q: Cube; splits: Cube[]; arriving: Cube[] }[] = [];
  const work = regions.map((q) => ({ q, depth: 0 }));
  while (work.length) {
    const { q, depth } = work.shift()!;
    const splits = new Splits(q, relevant);
    for (const r of rel) r.collect(splits);
    contextSplits(splits, family, ctx);
    if (splits.cubes.size > DECOMPOSE_AT && depth < 3) {
      const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
      const byDst = singles(splits.cubes.values(), F.dst, q);
      const byPort = singles(splits.cubes.values(), F.dport, q);
      const pieces = byDst.length >= 2 ? cutBy(q, F.dst, byDst, max) : byPort.length >= 2 ? cutBy(q, F.dport, byPort, 65535n) : null;
      if (pieces && pieces.length > 1) {
        work.unshift(...pieces.map((p) => ({ q: p, depth: depth + 1 })));
        continue;
      }
    }
    for (const l of splits.limitations) limitations.add(l);
    planned.push({ q, splits: [...splits.cubes.values()], arriving: [...splits.arriving.values()] });
  }

  // 2. Engines over the rules that matter (a large rule set compiles in a fraction of the time).
  const pa = prune(a.ruleset, relevant[0]!);
  const pb = prune(b.ruleset, relevant[1]!);
  const ea = compile(pa.ruleset, ctx);
  const eb = compile(pb.ruleset, ctx);
  const remap = (ev: Evaluation, p: typeof pa): Evaluation => ({ ...ev, outcomes: ev.outcomes.map((o) => p.remap(o)) });

  // 3. One witness per class, through both engines.
  const diffs: ClassDiff[] = [];
  let classes = 0;
  let evaluations = 0;
  const lo = IfaceSet.name("lo", false);
  const notLo = lo.complement();
  planned.forEach(({ q, splits, arriving }, index) => {
    // When no condition tells input interfaces apart (but for lo), a packet from a pod fares as the same
    // packet arriving on any other interface but lo: pod classes whose external twin compared equal
    // need no evaluation of their own (the twin is the same class of headers, so the same result).
    const ifaceBlind = [...splits, ...arriving].every((c) => {
      const f = c.sets[F.inIface] as IfaceSet | undefined;
      return f === undefined || f.equals(lo) || f.equals(notLo);
    });
    const externalSame = new Map<string, boolean>();
    const headerKey = (cell: readonly Cube[]) =>
      cell
        .map((c) => free(c, [F.inIface]))
        .map(cubeKey)
        .sort()
        .join("∪");
    for (const origin of opts.origins) {
      const qo = q.intersect(witnessDomain(family, origin, ctx));
      if (!qo) continue;
      const inside = (origin === "host" ? splits : [...splits, ...arriving]).map((s) => s.intersect(qo)).filter((s): s is Cube => s !== null && !qo.subsetOf(s));
      const cells = arrangement(qo, dedupe(inside), maxClasses);
      if (!cells) {
        limitations.add(`a region (${cubeKey(qo)}) has more than ${maxClasses} packet classes; it was not compared`);
        continue;
      }
      for (const cell of cells) {
        classes++;
        const key = ifaceBlind && origin !== "host" ? headerKey(cell) : "";
        if (origin === "pod" && externalSame.get(key) === true) continue;
        const witness = representative(cell, origin, family, ctx);
        const spec = witnessSpec(witness, family);
        const before = ea.evaluate(spec);
        const after = eb.evaluate(spec);
        evaluations += 2;
        const same = sameFates(fates(before, a.rename), fates(after, b.rename), opts.tolerance);
        if (origin === "external" && key && !(cell[0]!.sets[F.inIface] as IfaceSet | undefined)?.has("lo")) externalSame.set(key, same);
        if (same) continue;
        diffs.push({ origin, region: index, cubes: cell, witness, spec, before: remap(before, pa), after: remap(after, pb) });
      }
    }
  });
  return { diffs, regions: planned.map((p) => p.q), classes, evaluations, limitations: [...limitations] };
}
