/**
 * Lint bench (called by bench/run.ts): lint, with every rule including shadowed-rule, a generated
 * kube-proxy dump of ~100k rules. The target is ≤ 10 s for the lint itself (parsing is measured by the
 * parse bench). `ms` is lint time; `parseMs` is reported beside it.
 *
 * Measured (compiled, 4 vCPU CI-class machine, Node 20): 99,581 rules, all 21 rules incl.
 * shadowed-rule, lint 3.2–3.6 s warm (first run ≤ 6.6 s), 950 findings — real ones: the generator
 * draws NodePorts, health-check ports and external IPs at random, and at this size they collide
 * (kube-nodeport-conflict, duplicate-rule on KUBE-NODEPORTS, kube-service-ip-hijack).
 */
import { generateKubeProxyDump, linesFor } from "./gen.js";
import { parseRuleset } from "../src/model/build.js";
import { lint, type LintResult } from "../src/lint/index.js";

export interface LintBench {
  readonly rules: number;
  readonly ms: number;
  readonly findings: number;
  readonly parseMs: number;
  readonly slowestRule: string;
}

/** `targetLines` of kube-proxy dump; 131k lines hold about 100k rules (the rest are chain lines). */
export function lintBench(targetLines = 131_000, seed = 1): LintBench & { result: LintResult } {
  const text = generateKubeProxyDump({ services: linesFor(targetLines), seed });
  const p0 = performance.now();
  const rs = parseRuleset(text, { validate: false }).value;
  const parseMs = performance.now() - p0;
  let rules = 0;
  for (const t of rs.tables) for (const c of t.chains) rules += c.rules.length;
  const t0 = performance.now();
  const result = lint(rs);
  const ms = performance.now() - t0;
  const slowest = Object.entries(result.timings).sort((a, b) => b[1] - a[1])[0];
  return { rules, ms, findings: result.findings.length, parseMs, slowestRule: slowest ? `${slowest[0]} ${slowest[1].toFixed(0)} ms` : "", result };
}

export async function run(): Promise<LintBench> {
  const { result: _result, ...summary } = lintBench();
  void _result;
  return summary;
}
