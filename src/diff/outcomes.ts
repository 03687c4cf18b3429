/**
 * Comparing what the engine says happens to a packet in two rule sets.
 *
 * A fate is what the packet's owner can observe: verdict (and REJECT type), and for a packet that gets
 * through, where it is delivered and out of which interface, the packet after NAT (addresses and
 * ports) and whether its source was rewritten. Not part of it: which rule or chain decided (chains are
 * renamed by hash changes), the trace, marks left on the packet, notes, and what NAT did to a packet
 * that was then dropped.
 *
 * Outcomes come with probabilities (statistic ladders) and assumptions (state the dump does not hold:
 * `recent` lists, ipsets, unmodelled matches). Two evaluations behave the same when, in every world —
 * every assignment of truth values to the assumptions either side mentions — the two probability
 * distributions over fates agree within a tolerance (the kernel's 2^-31 quantization is far coarser than
 * the default 1e-9, so equal stored probabilities compare equal and different ones do not). Assumption
 * keys are made rename-invariant first: a chain name inside a key (kube-proxy's affinity list of an
 * endpoint chain) is replaced by that chain's content hash.
 */
import type { Evaluation, Outcome } from "../engine/index.js";
import { formatAddr } from "../net/addr.js";

export interface Fate {
  readonly key: string;
  readonly probability: number;
  readonly assumptions: ReadonlyMap<string, boolean>;
}

export function fateKey(o: Outcome): string {
  // A dropped or rejected packet goes nowhere: what NAT did to it on the way does not matter.
  if (o.verdict === "DROP" || o.verdict === "REJECT" || o.verdict === "QUEUE") return `${o.verdict}|${o.rejectWith ?? ""}`;
  const p = o.packet;
  return [
    o.verdict,
    o.rejectWith ?? "",
    o.delivery,
    o.outIface ?? "",
    `${formatAddr(p.src)}:${p.sport ?? ""}>${formatAddr(p.dst)}:${p.dport ?? ""}/${p.proto}`,
    o.masquerade ? "masquerade" : "",
  ].join("|");
}

export function fates(ev: Evaluation, rename: (key: string) => string): Fate[] {
  return ev.outcomes.map((o) => ({
    key: fateKey(o),
    probability: o.probability,
    assumptions: new Map(o.assumptions.map((a) => [rename(a.key), a.holds])),
  }));
}

/** Most assumption keys enumerated world by world; beyond, outcome lists are compared as written. */
const MAX_WORLD_KEYS = 12;

function distribution(list: readonly Fate[], world: ReadonlyMap<string, boolean> | null): Map<string, number> {
  const d = new Map<string, number>();
  for (const f of list) {
    if (world) {
      let ok = true;
      for (const [k, v] of f.assumptions)
        if (world.get(k) !== v) {
          ok = false;
          break;
        }
      if (!ok) continue;
    }
    d.set(f.key, (d.get(f.key) ?? 0) + f.probability);
  }
  return d;
}

function sameDistribution(a: Map<string, number>, b: Map<string, number>, tol: number): boolean {
  for (const [k, p] of a) if (Math.abs(p - (b.get(k) ?? 0)) > tol) return false;
  for (const [k, p] of b) if (!a.has(k) && Math.abs(p) > tol) return false;
  return true;
}

/** Whether two evaluations of the same packet agree in every world (see the note at the top). */
export function sameFates(a: readonly Fate[], b: readonly Fate[], tol = 1e-9): boolean {
  const keys = new Set<string>();
  for (const f of [...a, ...b]) for (const k of f.assumptions.keys()) keys.add(k);
  if (keys.size === 0) return sameDistribution(distribution(a, null), distribution(b, null), tol);
  if (keys.size > MAX_WORLD_KEYS) {
    // Too many worlds: compare outcome lists with their assumptions (equal lists agree in every world).
    const flat = (l: readonly Fate[]) =>
      l.map((f) => ({ ...f, key: `${f.key}#${[...f.assumptions].map(([k, v]) => `${k}=${v}`).sort().join(",")}`, assumptions: new Map() }));
    return sameDistribution(distribution(flat(a), null), distribution(flat(b), null), tol);
  }
  const list = [...keys];
  for (let m = 0; m < 1 << list.length; m++) {
    const world = new Map(list.map((k, i) => [k, (m & (1 << i)) !== 0]));
    if (!sameDistribution(distribution(a, world), distribution(b, world), tol)) return false;
  }
  return true;
}

// ---- Presenting outcomes ---------------------------------------------------------------------------

function endpoint(a: { src: { family: 4 | 6; value: bigint }; sport?: number } | { dst: { family: 4 | 6; value: bigint }; dport?: number }): string {
  const [addr, port] = "src" in a ? [a.src, a.sport] : [a.dst, a.dport];
  const s = formatAddr(addr);
  if (port === undefined) return s;
  return addr.family === 6 ? `[${s}]:${port}` : `${s}:${port}`;
}

export function formatProbability(p: number): string {
  if (Math.abs(p - 1) < 1e-12) return "100%";
  const pct = p * 100;
  return `${Number(pct.toPrecision(pct >= 1 ? 4 : 3))}%`;
}

export function outcomeText(o: Outcome): string {
  const p = o.packet;
  const by = o.decision ? ` by ${o.decision.table} ${o.decision.chain} ${"index" in o.decision ? `rule ${o.decision.index}` : "policy"}` : "";
  let s: string;
  switch (o.verdict) {
    case "ACCEPT": {
      const to = endpoint({ dst: p.dst, ...(p.dport !== undefined ? { dport: p.dport } : {}) });
      const where =
        o.delivery === "local" ? `delivered locally to ${to}` : o.delivery === "forward" ? `forwarded out ${o.outIface ?? "?"} to ${to}` : `sent out ${o.outIface ?? "?"} to ${to}`;
      const dnat = o.nat.some((n) => n.kind === "DNAT" || n.kind === "REDIRECT") ? ` (${o.nat.filter((n) => n.kind === "DNAT" || n.kind === "REDIRECT").map((n) => n.kind).join(", ")})` : "";
      const masq = o.masquerade ? `, source rewritten to ${endpoint({ src: p.src, ...(p.sport !== undefined ? { sport: p.sport } : {}) })} (${o.nat.filter((n) => n.kind === "SNAT" || n.kind === "MASQUERADE").map((n) => n.kind).join(", ")})` : "";
      s = `ACCEPT, ${where}${dnat}${masq}`;
      break;
    }
    case "REJECT":
      s = `REJECT (${o.rejectWith ?? "?"})${by}`;
      break;
    case "UNKNOWN":
      s = `UNKNOWN${by}${o.notes.length ? `: ${o.notes[o.notes.length - 1]}` : ""}`;
      break;
    default:
      s = `${o.verdict}${by}`;
  }
  const ifs = o.assumptions.map((a) => (a.holds ? a.text : `not: ${a.text}`));
  return `${formatProbability(o.probability)} ${s}${ifs.length ? ` — if ${ifs.join(" and ")}` : ""}`;
}
