/**
 * `iptlens fmt` against the real kernel: restore the input with the real iptables-restore in a private
 * namespace, read iptables-save back, and require our canonical print to be identical table by table.
 * Inputs: every corpus source (restore-input spellings) and rule sets generated with fast-check.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import { printRuleset } from "../../src/model/print.js";
import { tablesOf } from "../support/save.js";
import { createLab, kernelAvailable, type Lab } from "./harness.js";

const avail = kernelAvailable();
if (!avail.ok) console.warn(`skipping kernel fmt tests: ${avail.reason}`);

const sourcesDir = join(import.meta.dirname, "..", "..", "corpus", "sources");
const sources = readdirSync(sourcesDir).filter((f) => f.endsWith(".rules")).sort();

function compareWithKernel(lab: Lab, text: string, family: 4 | 6): void {
  const r = parseRuleset(text, { family });
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
  const loaded = lab.load(text, { family });
  expect(loaded.ok, `${loaded.stderr}\n${text}`).toBe(true);
  const kernel = tablesOf(lab.save({ family }));
  // The harness restores without --counters: policy counters start at zero.
  const ours = tablesOf(printRuleset(r.value, { counters: false }));
  for (const [name, mine] of ours) {
    const theirs = kernel.get(name);
    expect(theirs, `table ${name} missing from the kernel's output`).toBeDefined();
    const a = mine.split("\n");
    const b = theirs!.split("\n");
    const i = b.findIndex((l, k) => l !== a[k]);
    if (i >= 0) expect({ table: name, line: a[i] }).toEqual({ table: name, line: b[i] });
    expect(a.length).toBe(b.length);
  }
}

describe.skipIf(!avail.ok)("fmt agrees with the kernel's iptables-save", () => {
  let lab: Lab;
  beforeAll(() => {
    lab = createLab();
  });
  afterAll(() => lab?.destroy());

  for (const f of sources) {
    it(`corpus source ${f}`, () => {
      const text = readFileSync(join(sourcesDir, f), "utf8");
      compareWithKernel(lab, text, /^#@ family 6/m.test(text) ? 6 : 4);
    });
  }

  it("generated rule sets", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    // /0 is left out: nf_tables refuses `! -s x/0` (the builder warns about it).
    const addr = fc.tuple(octet, octet, octet, octet, fc.integer({ min: 1, max: 32 })).map(([a, b, c, d, l]) => `${a}.${b}.${c}.${d}/${l}`);
    const neg = fc.constantFrom("", "! ");
    const port = fc.integer({ min: 1, max: 65535 });
    const part = fc.oneof(
      fc.tuple(neg, addr).map(([n, a]) => `${n}-s ${a}`),
      fc.tuple(neg, addr).map(([n, a]) => `${n}-d ${a}`),
      fc.tuple(neg, fc.constantFrom("eth0", "eth+", "cni0")).map(([n, i]) => `${n}-i ${i}`),
      fc.tuple(neg, port).map(([n, p]) => `-p tcp ${n}--dport ${p}`),
      fc.tuple(port, port).map(([a, b]) => `-p udp --sport ${Math.min(a, b)}:${Math.max(a, b)}`),
      fc.string({ maxLength: 12 }).filter((s) => !/[\u0000-\u001f"\\]/.test(s)).map((s) => `-m comment --comment "${s}"`),
      fc.integer({ min: 1, max: 0xffff }).map((v) => `-m mark --mark 0x${v.toString(16)}/0xffff`),
      fc.double({ min: 0, max: 1, noNaN: true }).map((p) => `-m statistic --mode random --probability ${p.toFixed(10)}`),
      fc.constantFrom("-m conntrack --ctstate NEW,ESTABLISHED", "-m addrtype --dst-type LOCAL", "-m addrtype ! --src-type LOCAL,UNICAST"),
    );
    const target = fc.constantFrom("-j ACCEPT", "-j DROP", "-j SUB", "-g SUB", "", "-j MARK --or-mark 0x4000", "-j REJECT", "-j RETURN");
    const rule = fc.tuple(fc.array(part, { maxLength: 3 }), target).map(([ps, t]) => {
      // One protocol per rule (iptables refuses two -p).
      let seenProto = false;
      const kept = ps.filter((p) => !p.startsWith("-p ") || (seenProto ? false : (seenProto = true)));
      const once = new Set<string>();
      const dedup = kept.filter((p) => {
        const k = p.replace(/^! /, "").slice(0, 3);
        if (["-s ", "-d ", "-i "].includes(k)) {
          if (once.has(k)) return false;
          once.add(k);
        }
        return true;
      });
      return `-A X ${[...dedup, t].join(" ")}`.trimEnd();
    });
    const sets = fc.sample(fc.array(rule, { minLength: 1, maxLength: 12 }), { numRuns: 25, seed: 42 });
    for (const rs of sets) {
      const text = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:SUB - [0:0]\n:X - [0:0]\n-A INPUT -j X\n${rs.join("\n")}\nCOMMIT\n`;
      compareWithKernel(lab, text, 4);
    }
  });
});
