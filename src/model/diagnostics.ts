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

/**
 * The one way to make a SourceLoc. A class of its own with small-integer fields: a 600k-line dump
 * holds millions of positions, and V8 boxes every field of a shape once any value stored in it was not
 * a small integer (a NaN from an end-of-input token is enough), which tripled their cost.
 */
class Loc implements SourceLoc {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly endOffset: number;
  constructor(line: number, column: number, offset: number, endOffset: number) {
    this.line = line | 0;
    this.column = column | 0;
    this.offset = offset | 0;
    this.endOffset = endOffset | 0;
  }
}

export function sourceLoc(line: number, column: number, offset: number, endOffset: number): SourceLoc {
  return new Loc(line, column, offset, endOffset);
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
