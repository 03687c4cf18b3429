/**
 * The words of one command line, as iptables-restore splits them, for the builder's getopt loop.
 *
 * A 600k-line dump has millions of words and nearly none of them ever needs a position, so a line's
 * words live in one reusable struct of arrays (offsets, kinds, unquoted texts) rather than one object
 * each; positions are made only when a diagnostic or a node asks. `OptionOccurrence`s handed to the
 * extensions keep plain offsets, so they stay valid after the list moves on to the next line.
 */
import { forEachArgument } from "../../grammar/index.js";
import type { OptionOccurrence, OptionSpec } from "../extensions/types.js";
import { sourceLoc, type SourceLoc } from "./diagnostics.js";

const OPTION = 1;
const BANG = 2;

export class WordList {
  /** Number of words on the current line. */
  length = 0;
  /** Line number (1-based) of the current line. */
  line = 0;
  /** Absolute offset of column 1 of the current line. */
  lineStart = 0;
  /** Text the words are read from. */
  source = "";
  /** Offset of `source` in the whole text (positions reported are absolute). */
  delta = 0;
  private start = new Int32Array(64);
  private end = new Int32Array(64);
  private kind = new Uint8Array(64);
  private readonly texts: string[] = [];
  /** Index of the first word with an unterminated quote, or -1. */
  unterminated = -1;

  /**
   * Split `source[from, to)` into words: part of line `line`, whose column 1 is at absolute offset
   * `lineStart`; `source` itself starts at absolute offset `delta`.
   */
  read(source: string, from: number, to: number, line: number, lineStart: number, delta: number): this {
    this.source = source;
    this.delta = delta;
    this.line = line;
    this.lineStart = lineStart;
    this.length = 0;
    this.unterminated = -1;
    forEachArgument(source, from, to, this.push);
    return this;
  }

  private readonly push = (s: number, e: number, kind: "option" | "bang" | "arg"): void => {
    const n = this.length;
    if (n === this.start.length) this.grow();
    this.start[n] = s;
    this.end[n] = e;
    let text: string;
    if (kind === "arg") {
      text = this.source.slice(s, e);
      this.kind[n] = 0;
      if (text.includes('"')) {
        const u = unquote(text);
        if (u.unterminated && this.unterminated < 0) this.unterminated = n;
        text = u.text;
      }
    } else {
      text = kind === "bang" ? "!" : this.source.slice(s, e);
      this.kind[n] = kind === "bang" ? BANG : OPTION;
    }
    this.texts[n] = text;
    this.length = n + 1;
  };

  private grow(): void {
    const size = this.start.length * 2;
    const s = new Int32Array(size);
    s.set(this.start);
    const e = new Int32Array(size);
    e.set(this.end);
    const k = new Uint8Array(size);
    k.set(this.kind);
    this.start = s;
    this.end = e;
    this.kind = k;
  }

  /** Unquoted text, as iptables hands it to getopt. */
  text(i: number): string {
    return this.texts[i]!;
  }
  /** As written (quotes kept). */
  image(i: number): string {
    return this.source.slice(this.start[i]!, this.end[i]!);
  }
  isOption(i: number): boolean {
    return i < this.length && this.kind[i] === OPTION;
  }
  isBang(i: number): boolean {
    return i < this.length && this.kind[i] === BANG;
  }
  /** Absolute offsets of word `i`. */
  startOf(i: number): number {
    return this.start[i]! + this.delta;
  }
  endOf(i: number): number {
    return this.end[i]! + this.delta;
  }
  loc(i: number): SourceLoc {
    return this.span(i, i);
  }
  /** From the start of word `a` to the end of word `b` (same line). */
  span(a: number, b: number): SourceLoc {
    const s = this.startOf(a);
    return sourceLoc(this.line, s - this.lineStart + 1, s, this.endOf(b));
  }
}

/** An OptionOccurrence whose positions are kept as offsets and made into SourceLocs on demand. */
export class Occurrence implements OptionOccurrence {
  readonly values: readonly string[];
  private readonly line: number;
  private readonly lineStart: number;
  private readonly from: number;
  private readonly to: number;
  /** Absolute offset of the first value word (the values are the words `first … first+n-1`). */
  private readonly first: number;
  /** Start/end offsets of every value, flattened, when there is more than one (else null). */
  private readonly spans: readonly number[] | null;
  private readonly firstEnd: number;

  /** Option word `opt` (preceded by `!` at `bang`, or -1), its values the `n` words from `first`. */
  constructor(
    readonly spec: OptionSpec,
    readonly written: string,
    readonly negated: boolean,
    w: WordList,
    opt: number,
    bang: number,
    first: number,
    n: number,
  ) {
    this.line = w.line;
    this.lineStart = w.lineStart;
    this.from = w.startOf(bang >= 0 ? bang : opt);
    this.to = w.endOf(opt);
    this.first = n > 0 ? w.startOf(first) : -1;
    this.firstEnd = n > 0 ? w.endOf(first) : -1;
    if (n === 1) {
      this.values = [w.text(first)];
      this.spans = null;
    } else {
      const values: string[] = [];
      const spans: number[] = [];
      for (let k = first; k < first + n; k++) {
        values.push(w.text(k));
        spans.push(w.startOf(k), w.endOf(k));
      }
      this.values = values;
      this.spans = spans;
    }
  }
  get loc(): SourceLoc {
    return sourceLoc(this.line, this.from - this.lineStart + 1, this.from, this.to);
  }
  get valueLocs(): readonly SourceLoc[] {
    if (this.spans === null) return this.first < 0 ? [] : [this.at(this.first, this.firstEnd)];
    const out: SourceLoc[] = [];
    for (let k = 0; k < this.spans.length; k += 2) out.push(this.at(this.spans[k]!, this.spans[k + 1]!));
    return out;
  }
  private at(s: number, e: number): SourceLoc {
    return sourceLoc(this.line, s - this.lineStart + 1, s, e);
  }
}

/**
 * The words of a line of rule text as iptables-restore reads them, unquoted (for reading back what
 * the printer wrote: `splitPrinted(printMatch(m))`).
 */
export function splitPrinted(text: string): string[] {
  const out: string[] = [];
  forEachArgument(text, 0, text.length, (s, e) => out.push(unquote(text.slice(s, e)).text));
  return out;
}

/** Undo iptables-restore quoting of one argument (see grammar/tokens.ts scanArgument). */
export function unquote(image: string): { text: string; unterminated: boolean } {
  if (!image.includes('"')) return { text: image, unterminated: false };
  // The common case (every kube-proxy comment): one quoted word with no escapes inside.
  const last = image.length - 1;
  if (last > 0 && image.charCodeAt(0) === 34 && image.charCodeAt(last) === 34) {
    const inner = image.indexOf('"', 1);
    if (inner === last && image.indexOf("\\", 1) < 0) return { text: image.slice(1, last), unterminated: false };
  }
  let out = "";
  let inQuote = false;
  for (let i = 0; i < image.length; i++) {
    const c = image[i]!;
    if (inQuote) {
      if (c === "\\" && i + 1 < image.length) {
        out += image[++i];
        continue;
      }
      if (c === '"') {
        inQuote = false;
        continue;
      }
      out += c;
    } else if (c === '"') inQuote = true;
    else out += c;
  }
  return { text: out, unterminated: inQuote };
}
