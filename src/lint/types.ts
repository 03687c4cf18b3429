/**
 * The lint contract: rule ids, the documentation every rule must carry, findings.
 */
import type { IpAddr } from "../net/addr.js";
import type { Chain, Rule, SourceLoc, Table } from "../model/ast.js";
import type { Severity } from "../model/diagnostics.js";
import type { LintContext } from "./context.js";

export type { Severity } from "../model/diagnostics.js";

/** Rule ids are part of the interface: configs and baselines name them. Keep them. */
export const RULE_IDS = [
  // generic netfilter
  "undefined-chain",
  "chain-loop",
  "unused-chain",
  "empty-chain-jump",
  "duplicate-rule",
  "shadowed-rule",
  "unsatisfiable-rule",
  "invalid-target-placement",
  "unknown-extension",
  // kube-proxy
  "kube-nodeports-not-last",
  "kube-probability-ladder",
  "kube-chain-hash-mismatch",
  "kube-sep-without-dnat",
  "kube-endpoint-mismatch",
  "kube-stale-chain",
  "kube-masq-mark-mismatch",
  "kube-mark-drop-missing",
  "kube-service-ip-hijack",
  "kube-service-no-endpoints",
  "kube-nodeport-conflict",
  "kube-entry-missing",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/** A level a user can give a rule: a severity, or off. */
export type Level = Severity | "off";

/** Node facts some rules need (the same flags as `explain`). */
export interface NodeFacts {
  /** Addresses of this node (`--node-ip`). */
  readonly nodeIps?: readonly IpAddr[];
}

/** A dump that shows a rule's point, with the node facts it needs. */
export interface Example {
  /** iptables-save text (a complete, small dump). */
  readonly dump: string;
  readonly facts?: { readonly nodeIps?: readonly string[] };
}

/** What every rule must document (the compiler refuses a rule without it). */
export interface RuleDocs {
  readonly id: RuleId;
  readonly severity: Severity;
  /** One line, sentence case, no final period. */
  readonly title: string;
  /** Why it matters and what the kernel or kube-proxy does; Markdown paragraphs. */
  readonly rationale: string;
  /** A dump that triggers the rule. */
  readonly bad: Example;
  /** A near-identical dump that does not. */
  readonly good: Example;
  /** Rule groups, for --list-rules and SARIF tags. */
  readonly tags: readonly ("netfilter" | "kube-proxy" | "security" | "correctness" | "hygiene")[];
}

/** Another place involved in a finding (the rules that shadow this one, the chain it jumps to, …). */
export interface Related {
  readonly table: string;
  readonly chain: string;
  /** 1-based rule index in the chain; null for the chain itself. */
  readonly index: number | null;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
  readonly table: string;
  readonly chain: string;
  /** 1-based rule index in the chain; null when the finding is about the chain (or table) itself. */
  readonly index: number | null;
  readonly line: number;
  readonly column: number;
  readonly related: readonly Related[];
  /**
   * What the finding is about, independent of line numbers: the canonical rule text (`printRuleSpec`),
   * or `:CHAIN` for a chain. Baselines match on rule + table + chain + this.
   */
  readonly subject: string;
}

/** Where a finding points: a rule, or a chain, or a bare position in a table. */
export type Anchor =
  | { readonly rule: Rule }
  | { readonly chain: Chain; readonly table: Table }
  | { readonly table: Table; readonly loc: SourceLoc | null; readonly chainName?: string };

export interface Report {
  readonly at: Anchor;
  readonly message: string;
  readonly related?: readonly (Anchor & { readonly message: string })[];
  /** Severity of this finding when the rule's default does not fit (a user's level still wins). */
  readonly severity?: Severity;
}

export interface LintRule extends RuleDocs {
  check(ctx: LintContext, report: (r: Report) => void): void;
}

/** Identity helper that fixes the literal id type. */
export function defineRule<const R extends LintRule>(r: R): R {
  return r;
}
