/**
 * One test per corpus dump: every file the real iptables tools printed parses with no diagnostic above
 * info, and the canonical printer gives it back byte for byte.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../src/model/build.js";
import { printRuleset } from "../src/model/print.js";

const dir = join(import.meta.dirname, "..", "corpus", "dumps");
const files = readdirSync(dir).filter((f) => f.endsWith(".save") || f.endsWith(".S")).sort();

describe("corpus", () => {
  it("has at least 15 dumps", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  for (const f of files) {
    it(`${f}: parses cleanly and prints back byte for byte`, () => {
      const text = readFileSync(join(dir, f), "utf8");
      const isRules = f.endsWith(".S");
      const table = f.endsWith(".nat.S") ? "nat" : undefined;
      const r = parseRuleset(text, { file: f, ...(table ? { table } : {}) });
      const serious = r.diagnostics.filter((d) => d.severity !== "info");
      expect(serious.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([]);
      expect(r.value.format).toBe(isRules ? "rules" : "save");
      const rules = r.value.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
      expect(rules).toBeGreaterThan(0);
      const out = printRuleset(r.value, { style: isRules ? "rules" : "save" });
      if (out !== text) {
        // Show the first differing line rather than two walls of text.
        const a = text.split("\n");
        const b = out.split("\n");
        const i = a.findIndex((l, k) => l !== b[k]);
        expect({ line: i + 1, got: b[i] }).toEqual({ line: i + 1, got: a[i] });
      }
      expect(out).toBe(text);
    });
  }
});
