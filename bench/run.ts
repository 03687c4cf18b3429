/**
 * `npm run bench`: the speed and memory figures the issues set targets for. Writes bench/out/ (dumps,
 * gitignored) and prints a Markdown table; copy it into bench/RESULTS.md with the date and machine.
 *
 * Parse: generated kube-proxy dumps of ~10k, ~100k and ~600k lines; each parse runs in its own process
 * (peak RSS is that process's), next to `iptables-restore-translate -f` on the same file (when
 * installed) and a plain Node read + split of the file (the floor).
 * Engine, lint and diff: their bench modules (bench/engine.ts, bench/lint.ts, bench/diff.ts), each in
 * its own process (bench/module-one.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKubeProxyDump, linesFor } from "./gen.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "bench", "out");
mkdirSync(out, { recursive: true });

interface Row {
  readonly name: string;
  readonly cells: string[];
}
const rows: Row[] = [];
const log = (s: string) => process.stderr.write(s + "\n");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runChild(file: string, mode?: string): { ms: number; rules: number; maxRssMB: number } {
  const r = spawnSync(process.execPath, [join(here, "parse-one.js"), file, ...(mode ? [mode] : [])], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`parse-one failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function translate(file: string): { ms: number; maxRssMB: number } | null {
  const probe = spawnSync("iptables-restore-translate", ["--help"], { encoding: "utf8" });
  if (probe.error) return null;
  const hasTime = existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", "iptables-restore-translate", "-f", file], { encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync("iptables-restore-translate", ["-f", file], { encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) return null;
  const kb = hasTime ? Number(r.stderr.trim().split("\n").pop()) : NaN;
  return { ms, maxRssMB: kb / 1024 };
}

async function benchParse(): Promise<void> {
  for (const target of [10_000, 100_000, 600_000]) {
    const file = join(out, `kube-${target}.save`);
    if (!existsSync(file)) {
      log(`generating ~${target} lines…`);
      writeFileSync(file, generateKubeProxyDump({ services: linesFor(target), seed: 1 }));
    }
    const size = statSync(file).size;
    const runs = target >= 600_000 ? 3 : 5;
    const ours = Array.from({ length: runs }, () => runChild(file));
    const floor = Array.from({ length: runs }, () => runChild(file, "floor"));
    const tr = translate(file);
    const ms = median(ours.map((o) => o.ms));
    const floorMs = median(floor.map((o) => o.ms));
    rows.push({
      name: `parse ${ours[0]!.rules} rules (${(size / 1e6).toFixed(1)} MB)`,
      cells: [
        `${ms.toFixed(0)} ms`,
        `${Math.max(...ours.map((o) => o.maxRssMB)).toFixed(0)} MB`,
        `${floorMs.toFixed(0)} ms (×${(ms / floorMs).toFixed(1)})`,
        tr ? `${tr.ms.toFixed(0)} ms, ${Number.isNaN(tr.maxRssMB) ? "?" : tr.maxRssMB.toFixed(0)} MB (ours ×${(ms / tr.ms).toFixed(2)})` : "not installed",
      ],
    });
    log(`parse ${target}: ${ms.toFixed(0)} ms`);
  }
}

/** The benches owned by the analyses (bench/NAME.ts exporting `run()`), each in its own process. */
function benchModule(name: string): void {
  log(`${name}…`);
  const r = spawnSync(process.execPath, ["--expose-gc", join(here, "module-one.js"), name], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    rows.push({ name, cells: [`failed: ${r.stderr.trim().split("\n").pop() ?? ""}`, "", "", ""] });
    return;
  }
  const res = JSON.parse(r.stdout) as Record<string, unknown>;
  rows.push({ name, cells: [Object.entries(res).map(([k, v]) => `${k}=${typeof v === "number" ? +v.toFixed(2) : String(v)}`).join(", "), "", "", ""] });
}

await benchParse();
for (const m of ["engine", "lint", "diff"]) benchModule(m);

const cpu = cpus()[0]?.model ?? "unknown CPU";
process.stdout.write(
  [
    `Date: ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}`,
    "",
    "| what | time | peak RSS | plain read+split floor | iptables-restore-translate -f |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r.name} | ${r.cells.join(" | ")} |`),
    "",
  ].join("\n"),
);
