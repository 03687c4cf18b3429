/**
 * Baselines: record today's findings (`--write-baseline FILE`) and hide them later (`--baseline FILE`),
 * so that CI fails only on new problems. Entries match on rule + table + chain + subject (the canonical
 * rule text, or `:CHAIN`), never on line numbers, so reordering or inserting rules keeps them matched.
 * Matching counts: two identical findings need two entries.
 */
import type { Finding, RuleId } from "./types.js";

export interface BaselineEntry {
  readonly rule: RuleId;
  readonly table: string;
  readonly chain: string;
  readonly subject: string;
}

export interface Baseline {
  readonly version: 1;
  readonly findings: readonly BaselineEntry[];
}

export class BaselineError extends Error {}

const keyOf = (e: BaselineEntry) => JSON.stringify([e.rule, e.table, e.chain, e.subject]);

export function makeBaseline(findings: readonly Finding[]): Baseline {
  const entries = findings.map((f) => ({ rule: f.rule, table: f.table, chain: f.chain, subject: f.subject }));
  entries.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return { version: 1, findings: entries };
}

export function formatBaseline(b: Baseline): string {
  return JSON.stringify(b, null, 2) + "\n";
}

export function parseBaseline(text: string, source: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const o = raw as { version?: unknown; findings?: unknown };
  if (typeof o !== "object" || o === null || o.version !== 1 || !Array.isArray(o.findings))
    throw new BaselineError(`${source}: not an iptlens baseline (expected {"version": 1, "findings": [...]})`);
  for (const e of o.findings as unknown[]) {
    const x = e as Record<string, unknown>;
    if (typeof x !== "object" || x === null || !["rule", "table", "chain", "subject"].every((k) => typeof x[k] === "string"))
      throw new BaselineError(`${source}: each finding needs string rule, table, chain and subject`);
  }
  return o as Baseline;
}

/** Findings not covered by the baseline, and how many were hidden. */
export function applyBaseline(findings: readonly Finding[], b: Baseline): { findings: Finding[]; hidden: number } {
  const budget = new Map<string, number>();
  for (const e of b.findings) budget.set(keyOf(e), (budget.get(keyOf(e)) ?? 0) + 1);
  const out: Finding[] = [];
  let hidden = 0;
  for (const f of findings) {
    const k = keyOf(f);
    const n = budget.get(k) ?? 0;
    if (n > 0) {
      budget.set(k, n - 1);
      hidden++;
    } else out.push(f);
  }
  return { findings: out, hidden };
}
