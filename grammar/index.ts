/**
 * Text → CST, in chunks of whole lines so that a 600k-line dump never holds more than one chunk's tokens
 * and CST in memory. Line and offset bases are reported so the builder can give file positions.
 */
import { generateCstDts, type CstNode, type ILexingError, type IRecognitionException } from "chevrotain";
import { lexer } from "./lexer.js";
import { parser } from "./parser.js";

export { allTokens } from "./tokens.js";
export * as tokens from "./tokens.js";
export { scanArgument, splitArguments, type WordSpan, type WordKind } from "./tokens.js";
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
