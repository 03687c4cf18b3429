/**
 * The pipeline is the folder tree: imports point backwards along
 * grammar → model/extensions/net → space → engine → kube → lint/diff/explain → cli.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every project file a source file imports, as a path relative to the repo root. */
function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, "utf8");
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
    const spec = m[1]!;
    if (spec.startsWith(".")) local.push(relative(root, resolve(dirname(file), spec)));
    else packages.push(spec);
  }
  return { local, packages };
}

const layer = (p: string): string => {
  const parts = p.split("/");
  return parts[0] === "grammar" ? "grammar" : parts[0] === "src" ? (parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, "")) : parts[0]!;
};

/** What each layer must never import. */
const FORBIDDEN: Record<string, string[]> = {
  grammar: ["model", "extensions", "net", "space", "engine", "kube", "lint", "diff", "explain", "cli"],
  net: ["model", "extensions", "space", "engine", "kube", "lint", "diff", "explain", "cli"],
  model: ["space", "engine", "kube", "lint", "diff", "explain", "cli"],
  extensions: ["engine", "kube", "lint", "diff", "explain", "cli"],
  space: ["engine", "kube", "lint", "diff", "explain", "cli"],
  engine: ["kube", "lint", "diff", "explain", "cli"],
  kube: ["lint", "diff", "explain", "cli"],
  lint: ["diff", "explain", "cli"],
  diff: ["lint", "cli"],
  explain: ["lint", "diff", "cli"],
};

describe("architecture", () => {
  const all = [...files(join(root, "grammar")), ...files(join(root, "src"))];

  it("imports point backwards along the pipeline", () => {
    const violations: string[] = [];
    for (const f of all) {
      const from = layer(relative(root, f));
      for (const to of importsOf(f).local.map(layer)) if (FORBIDDEN[from]?.includes(to)) violations.push(`${relative(root, f)} → ${to}`);
    }
    expect(violations).toEqual([]);
  });

  it("only the CLI uses commander, only the grammar uses chevrotain at run time", () => {
    const bad: string[] = [];
    for (const f of all) {
      const rel = relative(root, f);
      const text = readFileSync(f, "utf8");
      for (const p of importsOf(f).packages) {
        if (p === "commander" && layer(rel) !== "cli") bad.push(`${rel} imports commander`);
        if (p === "chevrotain" && layer(rel) !== "grammar" && !/import type/.test(text.split(p)[0]!.split("\n").pop() ?? ""))
          bad.push(`${rel} imports chevrotain`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("every extension file is registered in the one list", () => {
    const index = readFileSync(join(root, "src", "extensions", "index.ts"), "utf8");
    const helpers = new Set(["ports", "common", "icmp-types", "nat-range", "mark-ops"]);
    const missing: string[] = [];
    for (const kind of ["matches", "targets"]) {
      for (const f of readdirSync(join(root, "src", "extensions", kind))) {
        const name = f.replace(/\.ts$/, "");
        if (helpers.has(name)) continue;
        if (!index.includes(`./${kind}/${name}.js`)) missing.push(`${kind}/${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
