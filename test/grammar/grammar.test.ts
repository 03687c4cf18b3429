import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cstDts, parseChunk, splitArguments, scanArgument } from "../../grammar/index.js";
import { lexer } from "../../grammar/lexer.js";

describe("grammar", () => {
  it("cst.d.ts is in sync with the grammar (regenerate: npx tsx grammar/gen-cst-dts.ts)", () => {
    expect(readFileSync(join(import.meta.dirname, "..", "..", "grammar", "cst.d.ts"), "utf8")).toBe(cstDts());
  });

  it("lexes structural tokens only at the start of a line", () => {
    const names = lexer.tokenize("*nat\n:X - [0:0]\n-A X -m comment --comment *x:y#z\nCOMMIT\n").tokens.map((t) => t.tokenType.name);
    expect(names).toEqual(["TableHeader", "Newline", "ChainDecl", "Arg", "Counters", "Newline", "Append", "RuleText", "Newline", "Commit", "Newline"]);
  });

  it("keeps the rest of a command line as one RuleText token", () => {
    const toks = lexer.tokenize('[1:2] -A KUBE-SERVICES -d 10.0.0.1/32 -m comment --comment "a b" -j X\r\n').tokens;
    expect(toks.map((t) => [t.tokenType.name, t.image])).toEqual([
      ["Counters", "[1:2]"],
      ["Append", "-A"],
      ["RuleText", 'KUBE-SERVICES -d 10.0.0.1/32 -m comment --comment "a b" -j X'],
      ["Newline", "\r\n"],
    ]);
  });

  it("splits arguments as iptables-restore does and classifies them", () => {
    const text = '-s ! 1.2.3.4 --comment "a \\"b\\" c" x"y z"w -- -5 !x';
    const words = splitArguments(text, 0, text.length).map((w) => [text.slice(w.start, w.end), w.kind]);
    expect(words).toEqual([
      ["-s", "option"],
      ["!", "bang"],
      ["1.2.3.4", "arg"],
      ["--comment", "option"],
      ['"a \\"b\\" c"', "arg"],
      ['x"y z"', "arg"],
      ["w", "arg"],
      ["--", "arg"],
      ["-5", "option"],
      ["!x", "arg"],
    ]);
  });

  it("reads an unterminated quote to the end of the line", () => {
    expect(scanArgument('"abc def\nnext', 0)).toBe(8);
  });

  it("parses a line it does not understand as a stray line, not an exception", () => {
    const r = parseChunk("hello world\n*filter\nCOMMIT\n");
    expect(r.parseErrors).toEqual([]);
    expect(r.lexErrors).toEqual([]);
  });
});

describe("the -A fast path", () => {
  it("builds exactly the AST the Chevrotain path builds", async () => {
    const { parseRuleset } = await import("../../src/model/build.js");
    const { readdirSync, readFileSync } = await import("node:fs");
    const dir = join(import.meta.dirname, "..", "..", "corpus", "dumps");
    const texts = readdirSync(dir).filter((f) => f.endsWith(".save")).map((f) => readFileSync(join(dir, f), "utf8"));
    texts.push(
      "*filter\r\n:INPUT ACCEPT [0:0]\r\n[3:4]\t-A   INPUT\t-s 10.0.0.1 -j DROP  \r\n--append INPUT -p tcp --dport 22\r\n-A INPUT\r\n-A  \r\n-AINPUT\r\nCOMMIT\r\n",
      "*nat\n:X - [0:0]\n-A X -j NOPE\n-A X --bogus\n[1:2]-A X\nCOMMIT\n",
    );
    for (const text of texts) {
      const fast = parseRuleset(text);
      const slow = parseRuleset(text, { fastPath: false });
      expect(fast.diagnostics).toEqual(slow.diagnostics);
      expect(JSON.stringify(fast.value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toBe(
        JSON.stringify(slow.value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      );
    }
  });

  it("builds the same AST on generated lines of every shape (chain declarations and -A lines included)", async () => {
    const { parseRuleset } = await import("../../src/model/build.js");
    const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    // Pieces that sit on the fast path's edges: blanks, CRs, quotes, counters, policies, commands.
    const piece = fc.constantFrom(
      ":X", ":INPUT", ":", "ACCEPT", "DROP", "-", "--", "RETURN", "[0:0]", "[12:345]", "[1:]", "[a:b]", "-A", "--append", "-AX",
      "X", "INPUT", "-j", "-p", "tcp", "--dport", "22", "!", '"a b"', '"open', 'x"y z"', "-m", "comment", "--comment", "#", "*filter", "COMMIT",
    );
    const blank = fc.constantFrom(" ", "  ", "\t", " \t ", "");
    const line = fc.tuple(fc.array(fc.tuple(piece, blank), { minLength: 1, maxLength: 6 }), fc.constantFrom("", "\r", " ")).map(
      ([ws, end]) => ws.map(([p, b]) => p + b).join(" ").replace(/^ +/, "") + end,
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        const text = `*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n${lines.join("\n")}\nCOMMIT\n`;
        const fast = parseRuleset(text);
        const slow = parseRuleset(text, { fastPath: false });
        expect(fast.diagnostics).toEqual(slow.diagnostics);
        expect(json(fast.value)).toBe(json(slow.value));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});
