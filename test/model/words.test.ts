import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import { Occurrence, WordList, unquote } from "../../src/model/words.js";
import type { OptionSpec } from "../../src/extensions/types.js";

const spec = (args: number): OptionSpec => ({ name: "x", args });

describe("WordList", () => {
  it("splits a line's words with kinds, unquoted texts and absolute positions", () => {
    // The rule text starts at offset 10 of the line "[1:2] -A X …", itself at offset 100 of the text.
    const line = '[1:2] -A X ! -s 10.0.0.1 -m comment --comment "a \\"b\\" c" -j ACCEPT';
    const source = " ".repeat(100) + line;
    const from = 100 + line.indexOf("X");
    const w = new WordList().read(source, from, source.length, 7, 100, 0);
    expect(Array.from({ length: w.length }, (_, i) => [w.text(i), w.isOption(i), w.isBang(i)])).toEqual([
      ["X", false, false],
      ["!", false, true],
      ["-s", true, false],
      ["10.0.0.1", false, false],
      ["-m", true, false],
      ["comment", false, false],
      ["--comment", true, false],
      ['a "b" c', false, false],
      ["-j", true, false],
      ["ACCEPT", false, false],
    ]);
    expect(w.image(7)).toBe('"a \\"b\\" c"');
    const s = w.loc(2);
    expect(s).toEqual({ line: 7, column: line.indexOf("-s") + 1, offset: 100 + line.indexOf("-s"), endOffset: 100 + line.indexOf("-s") + 2 });
    const span = w.span(4, 5);
    expect([span.column, span.endOffset - span.offset]).toEqual([line.indexOf("-m") + 1, "-m comment".length]);
    expect(w.unterminated).toBe(-1);
  });

  it("reports positions in the whole text when reading a chunk of it", () => {
    const chunk = "-A X -p tcp";
    // The chunk starts at offset 50 of the whole text; its first line is line 3, column 1 at offset 50.
    const w = new WordList().read(chunk, 3, chunk.length, 3, 50, 50);
    expect(w.loc(2)).toEqual({ line: 3, column: 9, offset: 58, endOffset: 61 });
  });

  it("flags the word whose quote is not closed", () => {
    const t = '-j LOG --log-prefix "open';
    const w = new WordList().read(t, 0, t.length, 1, 0, 0);
    expect(w.unterminated).toBe(3);
    expect(w.text(3)).toBe("open");
  });

  it("grows past 64 words", () => {
    const t = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");
    const w = new WordList().read(t, 0, t.length, 1, 0, 0);
    expect(w.length).toBe(200);
    expect(w.text(199)).toBe("w199");
    expect(w.loc(199).offset).toBe(t.lastIndexOf("w199"));
  });
});

describe("Occurrence", () => {
  it("spans a negated option from its '!' and keeps one position per value", () => {
    const t = "! --tcp-flags SYN,ACK SYN";
    const w = new WordList().read(t, 0, t.length, 4, 0, 0);
    const o = new Occurrence(spec(2), "--tcp-flags", true, w, 1, 0, 2, 2);
    expect(o.values).toEqual(["SYN,ACK", "SYN"]);
    expect(o.loc).toEqual({ line: 4, column: 1, offset: 0, endOffset: "! --tcp-flags".length });
    expect(o.valueLocs.map((l) => [l.column, l.endOffset - l.offset])).toEqual([
      [15, 7],
      [23, 3],
    ]);
    // Positions stay right after the list moves on to another line.
    w.read("-A Y", 0, 4, 9, 0, 0);
    expect(o.valueLocs[1]!.line).toBe(4);
  });

  it("has no value positions for an option without values", () => {
    const t = "--syn";
    const w = new WordList().read(t, 0, t.length, 1, 0, 0);
    const o = new Occurrence(spec(0), "--syn", false, w, 0, -1, 1, 0);
    expect(o.values).toEqual([]);
    expect(o.valueLocs).toEqual([]);
  });
});

describe("positions through the builder", () => {
  it("puts diagnostics of words, options and values where they are", () => {
    const text = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp  --dport 99999 -m  bogus --x 1 -j ACCEPT\nCOMMIT\n";
    const d = parseRuleset(text).diagnostics.map((x) => `${x.line}:${x.column}:${x.length} ${x.code}`);
    const line = "-A INPUT -p tcp  --dport 99999 -m  bogus --x 1 -j ACCEPT";
    expect(d).toContain(`3:${line.indexOf("99999") + 1}:5 bad-port`);
    expect(d).toContain(`3:${line.indexOf("-m") + 1}:${"-m  bogus".length} unknown-match`);
  });

  it("unquotes as iptables-restore does", () => {
    expect(unquote('"a \\"b\\" c"')).toEqual({ text: 'a "b" c', unterminated: false });
    expect(unquote('x"y z"')).toEqual({ text: "xy z", unterminated: false });
    expect(unquote('"open')).toEqual({ text: "open", unterminated: true });
  });
});
