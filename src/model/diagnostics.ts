/**
 * Problems are data: every entry point returns `{ value, diagnostics }`. A diagnostic has a stable
 * code, a severity, an iptables-speaking message and a position. Throw only for bugs.
 */

export type Severity = "error" | "warning" | "info";

export interface SourceLoc {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (in UTF-16 code units of the line, as editors count). */
  readonly column: number;
  /** 0-based offset of the first character in the whole text. */
  readonly offset: number;
  /** 0-based offset one past the last character. */
  readonly endOffset: number;
}

export interface Diagnostic {
  /** Stable identifier, e.g. `unknown-option`, `undefined-chain`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** Length of the offending text on its line (for the caret), at least 1. */
  readonly length?: number;
  /** File name, when known. */
  readonly file?: string;
}

export interface Result<T> {
  readonly value: T;
  readonly diagnostics: Diagnostic[];
}

export const severityRank: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Collects diagnostics during a pass. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  constructor(readonly file?: string) {}

  add(code: string, severity: Severity, message: string, loc: { line: number; column: number }, length = 1): void {
    const d: Diagnostic = { code, severity, message, line: loc.line, column: loc.column, length: Math.max(1, length) };
    this.items.push(this.file !== undefined ? { ...d, file: this.file } : d);
  }
  error(code: string, message: string, loc: SourceLoc | { line: number; column: number }, length?: number): void {
    this.add(code, "error", message, loc, length ?? spanOf(loc));
  }
  warn(code: string, message: string, loc: SourceLoc | { line: number; column: number }, length?: number): void {
    this.add(code, "warning", message, loc, length ?? spanOf(loc));
  }
  info(code: string, message: string, loc: SourceLoc | { line: number; column: number }, length?: number): void {
    this.add(code, "info", message, loc, length ?? spanOf(loc));
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

function spanOf(loc: SourceLoc | { line: number; column: number }): number {
  return "endOffset" in loc ? Math.max(1, loc.endOffset - loc.offset) : 1;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}
