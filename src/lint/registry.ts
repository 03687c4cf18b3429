/**
 * The one list of lint rules. A `Record` over every id: the compiler refuses an id without a rule, and
 * a rule without its documentation (LintRule extends RuleDocs).
 */
import type { LintRule, RuleId } from "./types.js";
import { chainLoop } from "./rules/chain-loop.js";
import { duplicateRule } from "./rules/duplicate-rule.js";
import { emptyChainJump } from "./rules/empty-chain-jump.js";
import { invalidTargetPlacement } from "./rules/invalid-target-placement.js";
import { kubeChainHashMismatch } from "./rules/kube-chain-hash-mismatch.js";
import { kubeEndpointMismatch } from "./rules/kube-endpoint-mismatch.js";
import { kubeEntryMissing } from "./rules/kube-entry-missing.js";
import { kubeMarkDropMissing } from "./rules/kube-mark-drop-missing.js";
import { kubeMasqMarkMismatch } from "./rules/kube-masq-mark-mismatch.js";
import { kubeNodeportConflict } from "./rules/kube-nodeport-conflict.js";
import { kubeNodeportsNotLast } from "./rules/kube-nodeports-not-last.js";
import { kubeProbabilityLadder } from "./rules/kube-probability-ladder.js";
import { kubeSepWithoutDnat } from "./rules/kube-sep-without-dnat.js";
import { kubeServiceIpHijack } from "./rules/kube-service-ip-hijack.js";
import { kubeServiceNoEndpoints } from "./rules/kube-service-no-endpoints.js";
import { kubeStaleChain } from "./rules/kube-stale-chain.js";
import { shadowedRule } from "./rules/shadowed-rule.js";
import { undefinedChain } from "./rules/undefined-chain.js";
import { unknownExtension } from "./rules/unknown-extension.js";
import { unsatisfiableRule } from "./rules/unsatisfiable-rule.js";
import { unusedChain } from "./rules/unused-chain.js";
import { RULE_IDS } from "./types.js";

export const RULES: { readonly [K in RuleId]: LintRule & { readonly id: K } } = {
  "undefined-chain": undefinedChain,
  "chain-loop": chainLoop,
  "unused-chain": unusedChain,
  "empty-chain-jump": emptyChainJump,
  "duplicate-rule": duplicateRule,
  "shadowed-rule": shadowedRule,
  "unsatisfiable-rule": unsatisfiableRule,
  "invalid-target-placement": invalidTargetPlacement,
  "unknown-extension": unknownExtension,
  "kube-nodeports-not-last": kubeNodeportsNotLast,
  "kube-probability-ladder": kubeProbabilityLadder,
  "kube-chain-hash-mismatch": kubeChainHashMismatch,
  "kube-sep-without-dnat": kubeSepWithoutDnat,
  "kube-endpoint-mismatch": kubeEndpointMismatch,
  "kube-stale-chain": kubeStaleChain,
  "kube-masq-mark-mismatch": kubeMasqMarkMismatch,
  "kube-mark-drop-missing": kubeMarkDropMissing,
  "kube-service-ip-hijack": kubeServiceIpHijack,
  "kube-service-no-endpoints": kubeServiceNoEndpoints,
  "kube-nodeport-conflict": kubeNodeportConflict,
  "kube-entry-missing": kubeEntryMissing,
};

/** Rules in RULE_IDS order. */
export const ALL_RULES: readonly LintRule[] = RULE_IDS.map((id) => RULES[id]);

export function isRuleId(s: string): s is RuleId {
  return (RULE_IDS as readonly string[]).includes(s);
}
