/** Every rule's documented examples: the bad dump triggers it, the near-identical good one does not. */
import { describe, expect, it } from "vitest";
import { ALL_RULES, RULE_IDS, RULES } from "../../src/lint/index.js";
import { exampleFindings } from "../../src/lint/docs.js";

describe("every rule is documented and its examples hold", () => {
  it("the registry has exactly the issue's ids and more, each with docs", () => {
    expect(Object.keys(RULES).sort()).toEqual([...RULE_IDS].sort());
    for (const r of ALL_RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.rationale.length).toBeGreaterThan(100);
      expect(r.bad.dump).not.toBe(r.good.dump);
    }
  });
  for (const r of ALL_RULES)
    describe(r.id, () => {
      it("triggers on its bad example", () => expect(exampleFindings(r, r.bad).length).toBeGreaterThan(0));
      it("does not trigger on its good example", () => expect(exampleFindings(r, r.good)).toEqual([]));
      it("reports at its default severity", () => {
        for (const f of exampleFindings(r, r.bad)) expect(f.severity).toBe(r.severity);
      });
    });
});
