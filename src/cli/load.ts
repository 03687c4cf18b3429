/** Read and parse a dump for a command, printing diagnostics the same way everywhere. */
import { parseRuleset, type ParseOptions } from "../model/build.js";
import type { Ruleset, TableName } from "../model/ast.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { hasErrors, severityRank, type Severity } from "../model/diagnostics.js";
import { readInput } from "./io.js";
import { formatDiagnostics } from "./render.js";
import type { Family } from "../net/addr.js";

export interface Loaded {
  readonly name: string;
  readonly text: string;
  readonly ruleset: Ruleset;
  readonly diagnostics: Diagnostic[];
}

export interface LoadFlags {
  readonly family?: string;
  readonly table?: string;
}

export function parseFamilyFlag(f: string | undefined): Family | undefined {
  if (f === undefined) return undefined;
  if (f === "4" || f === "ipv4") return 4;
  if (f === "6" || f === "ipv6") return 6;
  throw new UsageError(`--family must be 4 or 6, not '${f}'`);
}

export class UsageError extends Error {}

export function load(path: string | undefined, flags: LoadFlags = {}, extra: Partial<ParseOptions> = {}): Loaded {
  const input = readInput(path);
  const family = parseFamilyFlag(flags.family);
  const table = flags.table as TableName | undefined;
  const r = parseRuleset(input.text, { file: input.name, ...(family ? { family } : {}), ...(table ? { table } : {}), ...extra });
  return { name: input.name, text: input.text, ruleset: r.value, diagnostics: r.diagnostics };
}

/** Print diagnostics at or above `min` to stderr; return whether any is an error. */
export function reportDiagnostics(l: Loaded, min: Severity = "warning"): boolean {
  const shown = l.diagnostics.filter((d) => severityRank[d.severity] >= severityRank[min]);
  if (shown.length) process.stderr.write(formatDiagnostics(shown, l.text, l.name) + "\n");
  return hasErrors(l.diagnostics);
}
