/**
 * docs/rules/ is generated from the rules' metadata (src/lint/docs.ts). This test fails when the
 * committed files differ; regenerate with `IPTLENS_UPDATE_DOCS=1 npx vitest run test/lint/docs.test.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatedDocs } from "../../src/lint/docs.js";

const root = join(import.meta.dirname, "../..");
const update = process.env.IPTLENS_UPDATE_DOCS === "1";

describe("docs/rules is in sync with the rules", () => {
  const docs = generatedDocs();
  if (update)
    for (const [path, text] of docs) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  for (const [path, text] of docs)
    it(path, () => {
      const p = join(root, path);
      expect(existsSync(p), `${path} is missing: regenerate docs`).toBe(true);
      expect(readFileSync(p, "utf8"), `${path} is stale: regenerate docs`).toBe(text);
    });
  it("has no file for a rule that no longer exists", () => {
    const have = readdirSync(join(root, "docs/rules")).map((f) => `docs/rules/${f}`);
    expect(have.filter((f) => !docs.has(f))).toEqual([]);
  });
});
