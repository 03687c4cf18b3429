/**
 * The lint exit code: a pure function of the findings and the options.
 * - 2 when the input could not be read or parsed (nothing was linted);
 * - 1 when some finding reaches `failOn`;
 * - 0 otherwise.
 * (The same numbers as the CLI's EXIT table, which this layer does not import.)
 */
import { severityRank, type Severity } from "../model/diagnostics.js";
import type { Finding } from "./types.js";

export function meetsThreshold(f: Pick<Finding, "severity">, failOn: Severity): boolean {
  return severityRank[f.severity] >= severityRank[failOn];
}

export function exitCode(args: { readonly findings: readonly Pick<Finding, "severity">[]; readonly failOn: Severity; readonly invalidInput?: boolean }): 0 | 1 | 2 {
  if (args.invalidInput) return 2;
  return args.findings.some((f) => meetsThreshold(f, args.failOn)) ? 1 : 0;
}
