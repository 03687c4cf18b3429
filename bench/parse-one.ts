/**
 * Child process of the bench runner: parse one dump and report time and peak RSS as JSON.
 * Run in its own process so that peak RSS belongs to this parse alone.
 *   node dist/bench/parse-one.js FILE [floor]
 * `floor` measures the plain-Node floor instead: read the file, split lines and words.
 */
import { readFileSync } from "node:fs";
import { parseRuleset } from "../src/model/build.js";

const [file, mode] = process.argv.slice(2);
if (!file) throw new Error("usage: parse-one FILE [floor]");
const t0 = performance.now();
const text = readFileSync(file, "utf8");
let rules = 0;
let diagnostics = 0;
if (mode === "floor") {
  for (const line of text.split("\n")) {
    const words = line.split(" ");
    if (words[0] === "-A") rules++;
  }
} else {
  const r = parseRuleset(text);
  for (const t of r.value.tables) for (const c of t.chains) rules += c.rules.length;
  diagnostics = r.diagnostics.length;
}
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, rules, diagnostics, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\n");
