/**
 * Diff bench (called by bench/run.ts): two generated kube-proxy dumps of ~100k rules that differ in 100
 * services (50 added, 50 with an endpoint moved to another address), and two identical ones. Targets:
 * ≤ 10 s and ≤ 2 GB peak RSS for the different pair, ≤ 3 s for the identical pair, end to end as
 * `iptlens diff` runs in its default text form (parse, compare, summary, differences).
 *
 * Measured (compiled, Node 20, 2 vCPU shared machine under load average 3-4 from other jobs):
 * 98,019 rules; different pair 7.5–7.6 s (parse 2.7 s, comparison 4.8 s), 300 differences (100
 * services × 3 origins) from 5,008 packet classes, peak RSS 776 MB; identical pair 1.2–1.7 s (text
 * shortcut), 4.2–4.5 s when both are parsed and compared structurally; JSON adds 2.9 s (kube
 * catalogues for explain's outcome form).
 *
 * `msDifferent`/`msIdentical` include parsing; `parseMs` is the parse share of the different pair;
 * `jsonMs` is the extra time of `--format json` (outcomes described as explain describes them).
 * `maxRssMB` is the process's peak right after the different pair (an upper bound for the diff alone
 * when other benches ran first in the same process).
 */
import { generateKubeProxyDump, linesFor } from "./gen.js";
import { parseRuleset } from "../src/model/build.js";
import type { Ruleset } from "../src/model/ast.js";
import { makeNodeContext, parseLocalAddress, type LocalAddress } from "../src/engine/index.js";
import { diffRulesets, diffToJson, sameApartFromCounters, type DiffResult } from "../src/diff/index.js";

export interface DiffBench {
  readonly rules: number;
  readonly msDifferent: number;
  readonly msIdentical: number;
  /** Identical dumps compared without the text shortcut (both parsed, structural pass). */
  readonly msIdenticalParsed: number;
  readonly differences: number;
  readonly parseMs: number;
  /** Extra time for `--format json` (outcomes described as explain does, with both kube catalogues). */
  readonly jsonMs: number;
  readonly classes: number;
  readonly maxRssMB: number;
}

function countRules(rs: Ruleset): number {
  return rs.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
}

/**
 * The pair: OLD has `services` service ports; NEW has 50 more, and 50 of OLD's services see one
 * endpoint replaced (DNAT destination, hairpin rule and comments move to another pod address).
 */
export function benchPair(targetLines = 131_000, seed = 1): { old: string; new: string } {
  const services = linesFor(targetLines, { seed });
  const old = generateKubeProxyDump({ services, seed });
  let neu = generateKubeProxyDump({ services: services + 50, seed });
  // Move the endpoint of one KUBE-SEP chain in each of 50 services spread over the dump to another pod
  // address (host +100: generated hosts stay below 252), inside that chain only.
  const seen = new Set<string>();
  const picked = new Map<string, string>();
  const re = /^-A (KUBE-SEP-\S+) .*--comment "?([^" ]+)"? -m (?:tcp|udp) -j DNAT --to-destination (10\.244\.\d+\.\d+):\d+$/gm;
  const step = Math.max(1, Math.floor(services / 60));
  let i = 0;
  for (const m of old.matchAll(re)) {
    if (seen.has(m[2]!)) continue;
    seen.add(m[2]!);
    if (i++ % step === 0 && picked.size < 50) picked.set(m[1]!, m[3]!);
  }
  neu = neu
    .split("\n")
    .map((line) => {
      const chain = /^-A (KUBE-SEP-\S+) /.exec(line)?.[1];
      const ip = chain === undefined ? undefined : picked.get(chain);
      if (ip === undefined) return line;
      const parts = ip.split(".");
      const moved = `${parts[0]}.${parts[1]}.${parts[2]}.${Math.min(254, Number(parts[3]) + 100)}`;
      return line.split(`${ip}:`).join(`${moved}:`).split(`-s ${ip}/32`).join(`-s ${moved}/32`);
    })
    .join("\n");
  return { old, new: neu };
}

function endToEnd(a: string, b: string, shortcut = true): { ms: number; jsonMs: number; parseMs: number; result: DiffResult; rules: number; rssMB: number } {
  const ctx = makeNodeContext({ localAddresses: [parseLocalAddress("192.0.2.10") as LocalAddress] });
  const t0 = performance.now();
  const ra = parseRuleset(a).value;
  const same = shortcut && sameApartFromCounters(a, b);
  const rb = same ? ra : parseRuleset(b).value;
  const parseMs = performance.now() - t0;
  const result: DiffResult = same
    ? { equivalent: true, complete: true, limitations: [], summary: { kube: null, changedChains: [], noise: { renamedChains: 0, reorderedChains: 0 } }, differences: [], stats: { suspectRegions: 0, regions: 0, classes: 0, evaluations: 0 } }
    : diffRulesets(ra, rb, { context: ctx });
  const ms = performance.now() - t0;
  // Peak memory of the comparison itself (and of generating the dumps), before the JSON is made.
  const rssMB = process.resourceUsage().maxRSS / 1024;
  const j0 = performance.now();
  JSON.stringify(diffToJson(result, { file: "old", rules: 0, ruleset: ra }, { file: "new", rules: 0, ruleset: rb }));
  return { ms, jsonMs: performance.now() - j0, parseMs, result, rules: countRules(ra), rssMB };
}

export function diffBench(targetLines = 131_000): DiffBench & { different: DiffResult } {
  const pair = benchPair(targetLines);
  const diff = endToEnd(pair.old, pair.new);
  const counted = generateKubeProxyDump({ services: linesFor(targetLines, { seed: 1 }), seed: 1, withCounters: true });
  const ident = endToEnd(pair.old, counted);
  // The same pair without the text shortcut: both parsed, compared structurally (chains shared verbatim).
  const identParsed = endToEnd(pair.old, counted, false);
  return {
    rules: diff.rules,
    msDifferent: diff.ms,
    msIdentical: ident.ms,
    msIdenticalParsed: identParsed.ms,
    differences: diff.result.differences.length,
    parseMs: diff.parseMs,
    jsonMs: diff.jsonMs,
    classes: diff.result.stats.classes,
    maxRssMB: diff.rssMB,
    different: diff.result,
  };
}

export async function run(): Promise<DiffBench> {
  const { different: _d, ...summary } = diffBench();
  void _d;
  return summary;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const { different, ...summary } = diffBench(Number(process.argv[2] ?? 131_000));
  process.stdout.write(JSON.stringify({ ...summary, stats: different.stats, equivalent: different.equivalent, complete: different.complete, services: new Set(different.differences.map((d) => d.service)).size }) + "\n");
}
