/**
 * Text → CST, in chunks of whole lines so that a 600k-line dump never holds more than one chunk's tokens
 * and CST in memory. Line and offset bases are reported so the builder can give file positions.
 */
import { generateCstDts, type CstNode, type ILexingError, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import type { CommandLineCstChildren } from "./cst.js";
import { lexer } from "./lexer.js";
import { parser } from "./parser.js";
import { Append, Counters, RuleText } from "./tokens.js";

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
   */
  append(children: CommandLineCstChildren): void;
}

/**
 * `-A` lines make up nearly all of a real dump (600k of them on a large node), and their syntax is
 * trivial: optional `[p:b]` counters, the command, the rest of the line. Recognising exactly that shape
 * here skips the general lexer and parser for them; every other line — and any `-A` line that is not
 * exactly this shape — goes through Chevrotain, in chunks of whole lines. Both routes produce the same
 * CST children (a test checks that the AST is identical either way).
 */
const FAST_APPEND = /(?:(\[\d+:\d+\])[ \t]+)?(-A|--append)[ \t]+(?=[^ \t\r\n])/y;

function token(image: string, type: TokenType, offset: number, line: number, column: number): IToken {
  return {
    image,
    startOffset: offset,
    endOffset: offset + image.length - 1,
    startLine: line,
    endLine: line,
    startColumn: column,
    endColumn: column + image.length - 1,
    tokenType: type,
    tokenTypeIdx: type.tokenTypeIdx!,
  };
}

/** Parse `text`, handing out chunks and fast `-A` lines in document order. */
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
  let pos = 0;
  let line = 0; // lines before `pos`
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    const next = nl < 0 ? text.length : nl + 1;
    if (nl < 0) nl = text.length;
    const c = text.charCodeAt(pos);
    let fast = false;
    if (fastPath && (c === 45 /* - */ || c === 91) /* [ */) {
      FAST_APPEND.lastIndex = pos;
      const m = FAST_APPEND.exec(text);
      if (m && m.index === pos && m.index + m[0].length <= nl) {
        fast = true;
        flush(pos);
        let end = nl;
        if (end > pos && text.charCodeAt(end - 1) === 13) end--;
        const ln = line + 1;
        const restStart = pos + m[0].length;
        const cmdOffset = text.indexOf(m[2]!, m[1] ? pos + m[1].length : pos);
        const children: { -readonly [K in keyof CommandLineCstChildren]: CommandLineCstChildren[K] } = {
          Command: [token(m[2]!, Append, cmdOffset, ln, cmdOffset - pos + 1)],
        };
        if (m[1]) children.Counters = [token(m[1], Counters, pos, ln, 1)];
        // RuleText runs to the end of the line; trailing blanks belong to it, as in the lexer.
        children.RuleText = [token(text.slice(restStart, end), RuleText, restStart, ln, restStart - pos + 1)];
        visitor.append(children);
      }
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
