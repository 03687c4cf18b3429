/**
 * Text → CST, in chunks of whole lines so that a 600k-line dump never holds more than one chunk's tokens
 * and CST in memory. Line and offset bases are reported so the builder can give file positions.
 */
import { generateCstDts, type CstNode, type ILexingError, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import type { ChainLineCstChildren, CommandLineCstChildren } from "./cst.js";
import { lexer } from "./lexer.js";
import { parser } from "./parser.js";
import { Append, Arg, ChainDecl, Counters, RuleText } from "./tokens.js";

export { allTokens } from "./tokens.js";
export * as tokens from "./tokens.js";
export { scanArgument, splitArguments, forEachArgument, type WordSpan, type WordKind } from "./tokens.js";
export { parser } from "./parser.js";

export interface CstChunk {
  readonly cst: CstNode;
  /** Number of lines before this chunk (add to Chevrotain's 1-based line numbers). */
  readonly lineBase: number;
  /** Offset of this chunk in the whole text (add to Chevrotain's offsets). */
  readonly offsetBase: number;
  /** The chunk's text (token offsets index into it). */
  readonly text: string;
  readonly lexErrors: ILexingError[];
  readonly parseErrors: IRecognitionException[];
}

/** Lines per chunk: large enough to amortise lexer/parser set-up, small enough to bound memory. */
export const DEFAULT_CHUNK_LINES = 2048;

/** Lex and parse one piece of text made of whole lines. */
export function parseChunk(text: string, lineBase = 0, offsetBase = 0): CstChunk {
  const lexed = lexer.tokenize(text);
  parser.input = lexed.tokens;
  const cst = parser.dump();
  return { cst, lineBase, offsetBase, text, lexErrors: lexed.errors, parseErrors: parser.errors };
}

/** Split `text` into chunks of whole lines and parse each in turn. */
export function* parseChunks(text: string, chunkLines = DEFAULT_CHUNK_LINES): Generator<CstChunk> {
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = start;
    let n = 0;
    while (n < chunkLines) {
      const nl = text.indexOf("\n", end);
      if (nl < 0) {
        end = text.length;
        break;
      }
      end = nl + 1;
      n++;
    }
    if (n < chunkLines) end = text.length;
    const piece = text.slice(start, end);
    yield parseChunk(piece, line, start);
    line += n;
    start = end;
  }
}

/** The TypeScript declarations of the CST (grammar/cst.d.ts is generated from this). */
export function cstDts(): string {
  return generateCstDts(parser.getGAstProductions());
}

// ---- The common case, fast -----------------------------------------------------------------------

/** What `scanDump` hands out, in document order. */
export interface DumpVisitor {
  /** A run of lines parsed by the Chevrotain parser. */
  chunk(c: CstChunk): void;
  /**
   * One `[p:b] -A CHAIN …` line, as the CST children the parser would build for it (`commandLine`),
   * with absolute positions (line numbers 1-based over the whole text, offsets into the whole text).
   * The children object and its tokens are reused for the next line: copy what you keep.
   */
  append(children: CommandLineCstChildren): void;
  /** One `:CHAIN POLICY [p:b]` line, as the parser's `chainLine` children; same rules as `append`. */
  chain(children: ChainLineCstChildren): void;
}

function token(type: TokenType): IToken {
  return {
    image: "",
    startOffset: 0,
    endOffset: 0,
    startLine: 0,
    endLine: 0,
    startColumn: 0,
    endColumn: 0,
    tokenType: type,
    tokenTypeIdx: type.tokenTypeIdx!,
  };
}

/** Point a reusable token at `text[start, end)` on line `line` (whose first byte is at `lineStart`). */
function place(t: IToken, text: string, start: number, end: number, line: number, lineStart: number): IToken {
  t.image = text.slice(start, end);
  t.startOffset = start;
  t.endOffset = end - 1;
  t.startLine = line;
  t.endLine = line;
  t.startColumn = start - lineStart + 1;
  t.endColumn = end - lineStart;
  return t;
}

const isBlankCode = (c: number): boolean => c === 32 || c === 9;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** End of `[digits:digits]` starting at `i` (exclusive), or -1. */
function countersEnd(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) !== 91 /* [ */) return -1;
  let j = i + 1;
  const a = j;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  if (j === a || text.charCodeAt(j) !== 58 /* : */) return -1;
  const b = ++j;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  if (j === b || text.charCodeAt(j) !== 93 /* ] */) return -1;
  return j + 1;
}

/** Index of the first character at or after `i` that is not a space or tab. */
function skipBlanks(text: string, i: number, end: number): number {
  while (i < end && isBlankCode(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Parse `text`, handing out chunks and fast lines in document order.
 *
 * `-A` lines make up nearly all of a real dump (600k of them on a large node) and chain declarations
 * most of the rest; their syntax is trivial. Recognising exactly these shapes here skips the general
 * lexer and parser for them — `[p:b] -A|--append <non-blank>…` and `:NAME ACCEPT|DROP|- [p:b]` — and
 * every other line (or any such line not exactly in this shape) goes through Chevrotain, in chunks of
 * whole lines. Both routes produce the same CST children (a test checks the AST is identical either way).
 */
export function scanDump(text: string, visitor: DumpVisitor, chunkLines = DEFAULT_CHUNK_LINES, fastPath = true): void {
  let slowStart = -1;
  let slowLine = 0;
  let slowCount = 0;
  const flush = (end: number) => {
    if (slowStart < 0) return;
    visitor.chunk(parseChunk(text.slice(slowStart, end), slowLine, slowStart));
    slowStart = -1;
    slowCount = 0;
  };
  const cmdTok = token(Append);
  const countersTok = token(Counters);
  const restTok = token(RuleText);
  const appendWithCounters: CommandLineCstChildren = { Counters: [countersTok], Command: [cmdTok], RuleText: [restTok] };
  const appendPlain: CommandLineCstChildren = { Command: [cmdTok], RuleText: [restTok] };
  const declTok = token(ChainDecl);
  const policyTok = token(Arg);
  const chainCountersTok = token(Counters);
  const chainChildren: ChainLineCstChildren = { ChainDecl: [declTok], RuleWord: [policyTok, chainCountersTok] };

  /** A fast `-A` line from `pos` to `end` (line terminator excluded): handed out, or false. */
  const append = (pos: number, end: number, line: number): boolean => {
    let i = pos;
    const ce = countersEnd(text, i, end);
    if (ce >= 0) {
      if (ce >= end || !isBlankCode(text.charCodeAt(ce))) return false;
      i = skipBlanks(text, ce, end);
    }
    let cmdEnd: number;
    if (text.startsWith("-A", i) && isBlankCode(text.charCodeAt(i + 2))) cmdEnd = i + 2;
    else if (text.startsWith("--append", i) && isBlankCode(text.charCodeAt(i + 8))) cmdEnd = i + 8;
    else return false;
    const rest = skipBlanks(text, cmdEnd, end);
    // The rule text must start with a non-blank on this line; it runs to the end (less a CR).
    let restEnd = end;
    if (restEnd > rest && text.charCodeAt(restEnd - 1) === 13) restEnd--;
    if (rest >= restEnd || text.charCodeAt(rest) === 13) return false;
    flush(pos);
    place(cmdTok, text, i, cmdEnd, line, pos);
    place(restTok, text, rest, restEnd, line, pos);
    if (ce >= 0) {
      place(countersTok, text, pos, ce, line, pos);
      visitor.append(appendWithCounters);
    } else visitor.append(appendPlain);
    return true;
  };

  /** A fast chain declaration `:NAME POLICY [p:b]` from `pos` to `end`: handed out, or false. */
  const chain = (pos: number, end: number, line: number): boolean => {
    let e = end;
    while (e > pos && (isBlankCode(text.charCodeAt(e - 1)) || text.charCodeAt(e - 1) === 13)) e--;
    let i = pos + 1;
    while (i < e && !isBlankCode(text.charCodeAt(i)) && text.charCodeAt(i) !== 13) i++;
    const nameEnd = i;
    if (i >= e || !isBlankCode(text.charCodeAt(i))) return false;
    const p = skipBlanks(text, i, e);
    let q = p;
    while (q < e && !isBlankCode(text.charCodeAt(q))) q++;
    const policyLen = q - p;
    const c0 = text.charCodeAt(p);
    const policyOk =
      (policyLen === 1 && c0 === 45) || (policyLen === 6 && text.startsWith("ACCEPT", p)) || (policyLen === 4 && text.startsWith("DROP", p));
    if (!policyOk || q >= e) return false;
    const c = skipBlanks(text, q, e);
    if (c === q || countersEnd(text, c, e) !== e) return false;
    flush(pos);
    place(declTok, text, pos, nameEnd, line, pos);
    place(policyTok, text, p, q, line, pos);
    place(chainCountersTok, text, c, e, line, pos);
    visitor.chain(chainChildren);
    return true;
  };

  let pos = 0;
  let line = 0; // lines before `pos`
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    const next = nl < 0 ? text.length : nl + 1;
    if (nl < 0) nl = text.length;
    const c = text.charCodeAt(pos);
    let fast = false;
    if (fastPath && (c === 45 /* - */ || c === 91 /* [ */ || c === 58) /* : */) {
      fast = c === 58 ? chain(pos, nl, line + 1) : append(pos, nl, line + 1);
    }
    if (!fast) {
      if (slowStart < 0) {
        slowStart = pos;
        slowLine = line;
      }
      if (++slowCount >= chunkLines) flush(next);
    }
    pos = next;
    line++;
  }
  flush(text.length);
}
