/**
 * Properties of parse and print:
 * - for generated rule sets, print is a fixed point: print(parse(print(parse(x)))) === print(parse(x)),
 *   and the ASTs agree apart from source positions;
 * - random mutations of real corpus lines never throw, and every diagnostic points inside the text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import { printRuleset } from "../../src/model/print.js";
import { jsonReplacer } from "../../src/model/json.js";
import type { Ruleset } from "../../src/model/ast.js";

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((a) => a.join("."));
const cidr = fc.tuple(ipv4, fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined })).map(([a, l]) => (l === undefined ? a : `${a}/${l}`));
const neg = fc.boolean().map((b) => (b ? "! " : ""));
const iface = fc.constantFrom("eth0", "eth+", "cni0", "veth1234", "lo", "flannel.1", "cali+");
const port = fc.integer({ min: 0, max: 65535 });
const portSpec = fc.oneof(port.map(String), fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}:${Math.max(a, b)}`));
/** Comment text including the characters that stress quoting. */
const commentText = fc
  .array(fc.constantFrom("a", "Z", "0", "-", "_", " ", '"', "\\", "'", "/", ":", ">", "é", "\u0001", "\t", "#", "!"), { minLength: 0, maxLength: 20 })
  .map((cs) => cs.join(""));
const quoted = (s: string) => `"${s.replace(/["\\]/g, (c) => "\\" + c)}"`;
const hex = fc.integer({ min: 0, max: 0xffffffff }).map((n) => "0x" + n.toString(16));

const matchPart = fc.oneof(
  fc.tuple(neg, cidr).map(([n, a]) => `${n}-s ${a}`),
  fc.tuple(neg, cidr).map(([n, a]) => `${n}-d ${a}`),
  fc.tuple(neg, iface).map(([n, i]) => `${n}-i ${i}`),
  fc.tuple(neg, iface).map(([n, i]) => `${n}-o ${i}`),
  commentText.map((c) => `-m comment --comment ${quoted(c)}`),
  fc.tuple(neg, hex, hex).map(([n, v, m]) => `-m mark ${n}--mark ${v}/${m}`),
  fc.tuple(neg, fc.subarray(["NEW", "ESTABLISHED", "RELATED", "INVALID", "DNAT"], { minLength: 1 })).map(([n, s]) => `-m conntrack ${n}--ctstate ${s.join(",")}`),
  fc.tuple(neg, fc.subarray(["LOCAL", "UNICAST", "BROADCAST", "MULTICAST"], { minLength: 1 })).map(([n, s]) => `-m addrtype ${n}--dst-type ${s.join(",")}`),
  fc.double({ min: 0, max: 1, noNaN: true }).map((p) => `-m statistic --mode random --probability ${p.toFixed(10)}`),
);
const protoPart = fc.oneof(
  fc.constant(""),
  fc.tuple(neg, portSpec, portSpec).map(([n, a, b]) => `-p tcp ${n}--dport ${a} --sport ${b}`),
  fc.tuple(neg, portSpec).map(([n, a]) => `-p udp -m udp ${n}--dport ${a}`),
  fc.constant("-p tcp --syn"),
  fc.constant("-p icmp --icmp-type echo-request"),
);
const target = fc.oneof(
  fc.constantFrom("-j ACCEPT", "-j DROP", "-j RETURN", "-j SUB", "-g SUB", "", "-j REJECT", "-j LOG --log-prefix \"x: \""),
  hex.map((v) => `-j MARK --or-mark ${v}`),
  hex.map((v) => `-j MARK --set-mark ${v}`),
);
const rule = fc.tuple(fc.array(matchPart, { maxLength: 4 }), protoPart, target).map(([ms, p, t]) => `-A X ${[p, ...ms, t].filter(Boolean).join(" ")}`.trimEnd());
const ruleset = fc.array(rule, { minLength: 1, maxLength: 8 }).map((rs) => `*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n:SUB - [0:0]\n${rs.join("\n")}\nCOMMIT\n`);

/**
 * The AST without what printing canonicalises on purpose: positions, raw text, the order of user chain
 * declarations (iptables-save sorts them), zero chain counters (printed as [0:0]) and whether a protocol
 * match was loaded implicitly (printing makes `-m tcp` explicit).
 */
function shape(rs: Ruleset): unknown {
  const j = JSON.parse(JSON.stringify(rs, (k, v) => (k === "loc" || k === "raw" || k === "implicit" ? undefined : jsonReplacer(k, v))));
  for (const t of j.tables) {
    t.chains.sort((a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1));
    for (const c of t.chains) {
      if (c.counters && c.counters.packets === "0" && c.counters.bytes === "0") delete c.counters;
      // statistic keeps the probability as written next to the value the kernel stores; only the latter is semantic.
      for (const r of c.rules) for (const m of r.matches) if (m.module === "statistic" && m.random) delete m.random.text;
    }
  }
  return j;
}

describe("parse/print properties", () => {
  it("print(parse(x)) is a fixed point and the AST survives printing", () => {
    fc.assert(
      fc.property(ruleset, (text) => {
        const a = parseRuleset(text);
        if (a.diagnostics.some((d) => d.severity === "error")) return; // generated nonsense combinations (e.g. --syn with -p icmp) are skipped
        const p1 = printRuleset(a.value);
        const b = parseRuleset(p1);
        // Warnings the input already had (e.g. `! -s 0.0.0.0/0`) survive printing; nothing new appears.
        expect(b.diagnostics.filter((d) => d.severity !== "info").map((d) => d.code)).toEqual(
          a.diagnostics.filter((d) => d.severity !== "info").map((d) => d.code),
        );
        const p2 = printRuleset(b.value);
        expect(p2).toBe(p1);
        expect(shape(b.value)).toEqual(shape(a.value));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it("most generated rule sets are valid (the generator exercises the printer)", () => {
    const samples = fc.sample(ruleset, 200);
    const ok = samples.filter((t) => !parseRuleset(t).diagnostics.some((d) => d.severity === "error"));
    expect(ok.length).toBeGreaterThan(100);
  });

  const corpusDir = join(import.meta.dirname, "..", "..", "corpus", "dumps");
  const corpusLines = readdirSync(corpusDir)
    .filter((f) => f.endsWith(".save"))
    .flatMap((f) => readFileSync(join(corpusDir, f), "utf8").split("\n"))
    .filter((l) => l.startsWith("-A") || l.startsWith(":") || l.startsWith("["));

  it("random mutations of corpus lines never throw and always give positioned diagnostics", () => {
    const junk = fc.constantFrom(" ", '"', "\\", "!", "-", "--", "-m", "-j", "/", ":", ",", "\u0000", "\u001b", "é", "[", "]", "0x", "999999999999", "COMMIT", "*nat");
    const mutation = fc.tuple(fc.constantFrom(...corpusLines), fc.array(fc.tuple(fc.nat(), fc.nat(3), junk), { minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (muts) => {
        const lines = muts.map(([line, edits]) => {
          let l = line;
          for (const [pos, del, ins] of edits) {
            const at = pos % (l.length + 1);
            l = l.slice(0, at) + ins + l.slice(at + del);
          }
          return l;
        });
        const text = `*filter\n:INPUT ACCEPT [0:0]\n${lines.join("\n")}\nCOMMIT\n`;
        const n = text.split("\n").length;
        const r = parseRuleset(text);
        for (const d of r.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(n);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.message.length).toBeGreaterThan(0);
        }
        // Printing whatever was understood never throws either.
        printRuleset(r.value);
      }),
      { numRuns: 500 },
    );
  });
});
