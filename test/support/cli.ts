/**
 * Running the CLI from tests: spawned (exactly what a user gets, through src/cli/main.ts) or in this
 * process through main() (fast, for the many small exit-code cases).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

export const root = join(import.meta.dirname, "..", "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function runCli(args: readonly string[], input?: string): CliRun {
  const r = spawnSync(tsx, [join(root, "src", "cli", "main.ts"), ...args], { encoding: "utf8", input, cwd: root });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

export async function runCliHere(args: readonly string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    process.exitCode = undefined;
    const code = await main([...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}
