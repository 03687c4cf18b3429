/**
 * What a rule's target does to the traversal of its chain, for reasoning about which packets reach a
 * later rule:
 * - `stops`: no packet that matched the rule goes on to the next rule of this chain (ACCEPT, DROP,
 *   REJECT, RETURN, QUEUE, NAT targets, `-g`, and `-j CHAIN` when CHAIN always ends in a verdict);
 * - `mutates`: the packet fields (src/space field bits) the rule may change before the next rule runs
 *   (MARK → mark; CONNMARK → mark and connmark; CT/NOTRACK → conntrack state; a jump → whatever the
 *   called chain may change; an unknown target → everything).
 */
import type { Chain, Rule, Table, Target } from "../model/ast.js";
import { FIELD_COUNT, FIELD_INDEX } from "../space/fields.js";
import type { SymField } from "../space/expr.js";

export interface RuleEffect {
  readonly stops: boolean;
  readonly mutates: number;
}

export const ALL_FIELDS = (1 << FIELD_COUNT) - 1;
const bit = (...fs: SymField[]) => fs.reduce((m, f) => m | (1 << FIELD_INDEX[f]), 0);

/** Targets that end the chain's traversal for every packet they get. */
const STOPPING = new Set([
  "REJECT",
  "DNAT",
  "SNAT",
  "MASQUERADE",
  "REDIRECT",
  "NETMAP",
  "TPROXY",
  "NFQUEUE",
]);

/** Non-terminating targets and the fields they may change (0: none we represent). */
const CONTINUING: ReadonlyMap<string, number> = new Map([
  ["MARK", bit("mark")],
  ["CONNMARK", bit("mark", "connmark")],
  ["HMARK", bit("mark")],
  ["IPMARK", bit("mark")],
  ["CT", bit("ctstate", "ctstatus", "connmark")],
  ["NOTRACK", bit("ctstate", "ctstatus")],
  ["DNPT", bit("dst")],
  ["SNPT", bit("src")],
  ["LOG", 0],
  ["NFLOG", 0],
  ["ULOG", 0],
  ["TRACE", 0],
  ["AUDIT", 0],
  ["TEE", 0],
  ["SET", 0],
  ["IDLETIMER", 0],
  ["LED", 0],
  ["RATEEST", 0],
  ["CHECKSUM", 0],
  ["CLASSIFY", 0],
  ["DSCP", 0],
  ["TOS", 0],
  ["ECN", 0],
  ["TTL", 0],
  ["HL", 0],
  ["TCPMSS", 0],
  ["TCPOPTSTRIP", 0],
  ["SECMARK", 0],
  ["CONNSECMARK", 0],
  ["SYNPROXY", 0],
]);

/** The name a target is known by (`-j NAME`), or null for jumps/verdicts. */
export function targetName(t: Target | null): string | null {
  if (!t) return null;
  if (t.kind === "target" || t.kind === "opaque-target") return t.name;
  return null;
}

export interface ChainSummary {
  /** Every packet entering the chain ends with a verdict inside it (it never returns to the caller). */
  readonly alwaysStops: boolean;
  /** Fields the chain (and what it calls) may change. */
  readonly mutates: number;
}

export interface TableEffects {
  readonly chains: ReadonlyMap<string, ChainSummary>;
  effect(r: Rule): RuleEffect;
}

/** Summaries of every chain of a table, and per-rule effects on that basis. */
export function tableEffects(t: Table, byName: ReadonlyMap<string, Chain>): TableEffects {
  // Fields changed: least fixpoint over the call graph (cycles are refused by the kernel, but a broken
  // dump may have them).
  const mut = new Map<string, number>(t.chains.map((c) => [c.name, 0]));
  const localMut = (r: Rule): number => {
    const tg = r.target;
    if (!tg) return 0;
    switch (tg.kind) {
      case "verdict":
        return 0;
      case "jump": {
        // An unknown chain may do anything; so may an empty one later: it is a hook point kept for
        // rules to come (Calico's cali-from-host-endpoint, kube-proxy's KUBE-FIREWALL, DOCKER-USER),
        // and conclusions must not rest on it staying empty.
        const callee = byName.get(tg.chain);
        return callee && callee.rules.length ? 0 : ALL_FIELDS;
      }
      default:
        return STOPPING.has(tg.name) ? 0 : (CONTINUING.get(tg.name) ?? ALL_FIELDS);
    }
  };
  // Each chain's own changes, then propagate along "calls" edges with a worklist (each edge once per
  // change of its callee).
  const callers = new Map<string, Set<string>>();
  const work: string[] = [];
  for (const c of t.chains) {
    let m = 0;
    for (const r of c.rules) {
      m |= localMut(r);
      const tg = r.target;
      if (tg?.kind === "jump" && byName.has(tg.chain)) {
        let s = callers.get(tg.chain);
        if (!s) callers.set(tg.chain, (s = new Set()));
        s.add(c.name);
      }
    }
    mut.set(c.name, m);
    if (m) work.push(c.name);
  }
  while (work.length) {
    const callee = work.pop()!;
    const m = mut.get(callee)!;
    for (const caller of callers.get(callee) ?? []) {
      const before = mut.get(caller)!;
      if ((before | m) !== before) {
        mut.set(caller, before | m);
        work.push(caller);
      }
    }
  }

  const stops = new Map<string, boolean>();
  const visiting = new Set<string>();
  const alwaysStops = (name: string): boolean => {
    const known = stops.get(name);
    if (known !== undefined) return known;
    const c = byName.get(name);
    if (!c || visiting.has(name)) return false;
    visiting.add(name);
    let result = false;
    for (const r of c.rules) {
      const tg = r.target;
      // A rule before the final one may let a packet leave the chain back to its caller.
      const returns =
        (tg?.kind === "verdict" && tg.verdict === "RETURN") || (tg?.kind === "jump" && tg.goto && !alwaysStops(tg.chain));
      if (returns) break;
      if (!unconditional(r)) continue;
      if (ruleStops(r, alwaysStops)) {
        result = true;
        break;
      }
    }
    visiting.delete(name);
    stops.set(name, result);
    return result;
  };

  const summaries = new Map<string, ChainSummary>();
  for (const c of t.chains) summaries.set(c.name, { alwaysStops: alwaysStops(c.name), mutates: mut.get(c.name)! });

  return {
    chains: summaries,
    effect(r: Rule): RuleEffect {
      const s = ruleStops(r, (n) => summaries.get(n)?.alwaysStops ?? false);
      const tg = r.target;
      const m = localMut(r) | (tg?.kind === "jump" ? (summaries.get(tg.chain)?.mutates ?? 0) : 0);
      return { stops: s, mutates: s ? 0 : m };
    },
  };
}

function ruleStops(r: Rule, chainStops: (name: string) => boolean): boolean {
  const tg = r.target;
  if (!tg) return false;
  switch (tg.kind) {
    case "verdict":
      return true; // ACCEPT, DROP, QUEUE end the traversal; RETURN ends this chain's
    case "jump":
      return tg.goto || chainStops(tg.chain);
    default:
      return STOPPING.has(tg.name);
  }
}

/** A rule with no condition at all (comment and nfacct only), so every packet matches it. */
function unconditional(r: Rule): boolean {
  if (r.source || r.destination || r.inInterface || r.outInterface || r.fragment) return false;
  if (r.protocol && r.protocol.number !== 0) return false;
  return r.matches.every((m) => m.module === "comment" || m.module === "nfacct");
}
