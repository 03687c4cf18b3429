/**
 * Terminal rendering shared by all commands. Text from a dump (comments, names) is attacker-controlled:
 * everything printed goes through `sanitize`, so no control character from a dump reaches the terminal.
 */
import type { Diagnostic } from "../model/diagnostics.js";
import { sanitize } from "../model/sanitize.js";

export { sanitize };

/** Lines of a text, computed lazily once (for carets). */
export class SourceLines {
  private lines: string[] | undefined;
  constructor(private readonly text: string) {}
  get(line: number): string | undefined {
    this.lines ??= this.text.split("\n");
    const l = this.lines[line - 1];
    return l === undefined ? undefined : l.replace(/\r$/, "");
  }
}

/**
 * `file:line:col: severity: message`, then the source line and a caret under the offending text.
 * Columns count the sanitized line so the caret stays aligned when escapes were inserted.
 */
export function formatDiagnostic(d: Diagnostic, source: SourceLines | undefined, file = d.file ?? "<input>"): string {
  const head = `${sanitize(file)}:${d.line}:${d.column}: ${d.severity}: ${sanitize(d.message)} [${d.code}]`;
  const line = source?.get(d.line);
  if (line === undefined) return head;
  const before = sanitize(line.slice(0, d.column - 1));
  const span = sanitize(line.slice(d.column - 1, d.column - 1 + (d.length ?? 1)));
  const shown = sanitize(line);
  const clipped = shown.length > 200 ? shown.slice(0, 200) + "…" : shown;
  const caretPos = Math.min(before.length, 200);
  return `${head}\n  ${clipped}\n  ${" ".repeat(caretPos)}${"^".repeat(Math.max(1, Math.min(span.length, 200 - caretPos)))}`;
}

export function formatDiagnostics(ds: readonly Diagnostic[], text: string | undefined, file?: string): string {
  const src = text === undefined ? undefined : new SourceLines(text);
  return ds.map((d) => formatDiagnostic(d, src, file)).join("\n");
}
