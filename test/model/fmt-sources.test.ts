/**
 * `fmt` agrees with the kernel on restore input: every corpus source was fed to the real
 * iptables-restore and its iptables-save output stored in corpus/dumps/. Our canonical printing of the
 * source must equal that output, table by table (headers and table order are the saving tool's business).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import { printRuleset } from "../../src/model/print.js";
import { tablesOf } from "../support/save.js";

const root = join(import.meta.dirname, "..", "..", "corpus");
const sources = readdirSync(join(root, "sources")).filter((f) => f.endsWith(".rules")).sort();

describe("fmt of restore input equals the kernel's iptables-save", () => {
  for (const f of sources) {
    const base = f.replace(/\.rules$/, "");
    const dumpName = [`${base}.save`, `${base}.v6.save`].find((d) => existsSync(join(root, "dumps", d)));
    it.skipIf(!dumpName)(`${f}`, () => {
      const src = readFileSync(join(root, "sources", f), "utf8");
      const want = tablesOf(readFileSync(join(root, "dumps", dumpName!), "utf8"));
      const r = parseRuleset(src, { file: f });
      expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
      // A source restored with --counters keeps its policy counters (iptables-save prints those even
      // without -c); rule counters only appear with -c, and the .counters.save round trip covers them.
      const withCounters = /^#@ counters/m.test(src);
      const printed = printRuleset(r.value, { counters: withCounters }).replace(/^\[\d+:\d+\] /gm, "");
      const got = tablesOf(printed);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [t, text] of want) {
        const mine = (got.get(t) ?? "").split("\n");
        const theirs = text.split("\n");
        const i = theirs.findIndex((l, k) => l !== mine[k]);
        if (i >= 0) expect({ table: t, line: mine[i] }).toEqual({ table: t, line: theirs[i] });
        expect(mine.length).toBe(theirs.length);
      }
    });
  }
});
