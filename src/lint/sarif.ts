/**
 * SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: one run, the rules' metadata in
 * `tool.driver.rules` (id, short and full description, help, default level, tags), one result per
 * finding with a physical location (artifact URI, start line and column) and related locations.
 */
import { createHash } from "node:crypto";
import { isAbsolute, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { Severity } from "../model/diagnostics.js";
import { VERSION } from "../version.js";
import { safeJson } from "./output.js";
import { RULES } from "./registry.js";
import { RULE_IDS, type Finding } from "./types.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

/** A URI reference for the input: relative paths as they are, `-` (standard input) as `stdin`. */
export function artifactUri(file: string, cwd = process.cwd()): string {
  if (file === "<stdin>" || file === "-") return "stdin";
  // Code scanning wants paths relative to the repository: make absolute paths under cwd relative.
  if (isAbsolute(file)) {
    const rel = relative(cwd, file);
    if (rel.startsWith("..") || isAbsolute(rel)) return pathToFileURL(file).href;
    file = rel;
  }
  return file
    .replace(/^\.\//, "")
    .split("/")
    .map((seg) => encodeURIComponent(seg))
    .join("/");
}

export function toSarif(findings: readonly Finding[], file: string): object {
  const uri = artifactUri(file);
  const rules = RULE_IDS.map((id) => {
    const r = RULES[id];
    return {
      id,
      name: id
        .split("-")
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(""),
      shortDescription: { text: r.title },
      fullDescription: { text: r.rationale.replace(/\s*\n\s*/g, " ") },
      help: { text: `${r.title}. See docs/rules/${id}.md`, markdown: `${r.rationale}\n\nSee [docs/rules/${id}.md](docs/rules/${id}.md).` },
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: { tags: [...r.tags] },
    };
  });
  const index = new Map(RULE_IDS.map((id, i) => [id, i]));
  const location = (line: number, column: number) => ({
    physicalLocation: { artifactLocation: { uri, index: 0 }, region: { startLine: line, startColumn: column } },
  });
  const results = findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule)!,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        ...location(f.line, f.column),
        logicalLocations: [{ fullyQualifiedName: f.index === null ? `${f.table}/${f.chain}` : `${f.table}/${f.chain}#${f.index}`, kind: f.index === null ? "module" : "member" }],
      },
    ],
    relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(r.line, r.column), message: { text: r.message } })),
    partialFingerprints: {
      "iptlensSubject/v1": createHash("sha256").update(`${f.rule}\0${f.table}\0${f.chain}\0${f.subject}`).digest("hex").slice(0, 32),
    },
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "iptlens", version: VERSION, semanticVersion: VERSION, rules } },
        artifacts: [{ location: { uri } }],
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

export function formatSarif(findings: readonly Finding[], file: string): string {
  return safeJson(toSarif(findings, file), 2) + "\n";
}
