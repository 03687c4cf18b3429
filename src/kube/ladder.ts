/**
 * A service chain's load-balancing ladder (KUBE-SVC/SVL/XLB): one rule per endpoint jumping to its
 * KUBE-SEP chain, each but the last with `-m statistic --mode random --probability 1/k` for the k
 * endpoints still in play, so that each endpoint gets an equal share of new connections. With ClientIP
 * session affinity, `-m recent --rcheck --seconds T` rules come first: they send a known client back to
 * its endpoint and are not part of the ladder.
 */
import type { Chain, Rule } from "../model/ast.js";
import type { RecentMatch } from "../extensions/matches/recent.js";
import { hasModule, jumpTarget, statisticProbability } from "./rules.js";

export interface LadderStep {
  readonly rule: Rule;
  /** The KUBE-SEP chain it jumps to. */
  readonly chain: string;
  /** From `statisticProbability`: undefined for a rule without statistic match (it takes what is left). */
  readonly probability: number | "nth" | "negated" | undefined;
  /** The share of new connections it takes as the rules stand (a step kube-proxy never writes, nth or negated, takes none). */
  readonly share: number;
}

export interface Ladder {
  readonly steps: readonly LadderStep[];
  /** The share no step takes: connections that leave the chain without DNAT. */
  readonly left: number;
  /** ClientIP session affinity timeout in seconds, when `recent --rcheck`/`--update` rules keep clients. */
  readonly affinity?: number;
}

/** The ladder of a service chain. */
export function ladderOf(chain: Chain): Ladder {
  const steps: LadderStep[] = [];
  let left = 1;
  let affinity: number | undefined;
  for (const r of chain.rules) {
    const sep = jumpTarget(r);
    if (!sep?.startsWith("KUBE-SEP-")) continue;
    if (hasModule(r, "recent")) {
      const recent = r.matches.find((m) => m.kind === "match" && m.module === "recent") as RecentMatch | undefined;
      if (recent && (recent.command === "rcheck" || recent.command === "update")) affinity = recent.seconds;
      continue;
    }
    const p = statisticProbability(r);
    const take = typeof p === "number" ? Math.min(1, Math.max(0, p)) : p === undefined ? 1 : 0;
    const share = left * take;
    left -= share;
    steps.push({ rule: r, chain: sep, probability: p, share });
  }
  return { steps, left, ...(affinity !== undefined ? { affinity } : {}) };
}
