/** Shared by the diff tests: dumps from the corpus, text edits that must apply, and witness replay. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import type { Ruleset } from "../../src/model/ast.js";
import { compile, makeNodeContext, parseLocalAddress, parseRoute, type LocalAddress, type NodeContext, type Route } from "../../src/engine/index.js";
import { parsePacketFields } from "../../src/explain/index.js";
import { diffRulesets, fates, sameFates, type DiffOptions, type DiffResult } from "../../src/diff/index.js";

export const CORPUS = join(import.meta.dirname, "..", "..", "corpus", "dumps");
export const dump = (name: string): string => readFileSync(join(CORPUS, name), "utf8");

/** Parse a dump that must have no errors. */
export function rs(text: string): Ruleset {
  const r = parseRuleset(text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.value;
}

/** Apply text replacements, each of which must match (so a scenario never silently tests nothing). */
export function edit(text: string, ...pairs: readonly (readonly [string | RegExp, string])[]): string {
  let out = text;
  for (const [from, to] of pairs) {
    const before = out;
    out = typeof from === "string" ? out.split(from).join(to) : out.replace(from, to);
    if (out === before) throw new Error(`edit did not apply: ${String(from).slice(0, 120)}`);
  }
  return out;
}

/** Drop every line containing one of the strings. */
export function dropLines(text: string, ...needles: readonly string[]): string {
  const lines = text.split("\n");
  const kept = lines.filter((l) => !needles.some((n) => l.includes(n)));
  if (kept.length === lines.length) throw new Error(`no line contains ${needles.join(", ")}`);
  return kept.join("\n");
}

export function node(ips: readonly string[] = ["192.168.49.2"], routes: readonly string[] = []): NodeContext {
  return makeNodeContext({
    localAddresses: ips.map((t) => parseLocalAddress(t) as LocalAddress),
    routes: routes.map((t) => parseRoute(t) as Route),
  });
}

export function diff(a: string, b: string, opts: DiffOptions = {}): DiffResult {
  return diffRulesets(rs(a), rs(b), { context: node(), ...opts });
}

/**
 * Every witness, read as `explain --batch` reads it and run through freshly compiled engines of both
 * rule sets, gives the reported outcomes, and they differ.
 */
export function expectWitnessesReproduce(a: string, b: string, r: DiffResult, ctx: NodeContext = node()): void {
  const ea = compile(rs(a), ctx);
  const eb = compile(rs(b), ctx);
  const id = (k: string) => k;
  for (const d of r.differences) {
    const spec = parsePacketFields(d.witness as unknown as Record<string, unknown>);
    expect(spec.ok, JSON.stringify(d.witness)).toBe(true);
    if (!spec.ok) continue;
    const before = ea.evaluate(spec.value);
    const after = eb.evaluate(spec.value);
    const asReported = (list: DiffResult["differences"][number]["before"]) => fates({ outcomes: list } as never, id);
    expect(sameFates(fates(before, id), asReported(d.before))).toBe(true);
    expect(sameFates(fates(after, id), asReported(d.after))).toBe(true);
    expect(sameFates(fates(before, id), fates(after, id))).toBe(false);
  }
}
