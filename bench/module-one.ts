/**
 * Child process of the bench runner: run one analysis bench module (bench/NAME.ts, exporting `run()`)
 * and print its result as JSON. Each module runs in its own process so that its timings do not depend
 * on what ran before it and its peak RSS is its own.
 *   node --expose-gc dist/bench/module-one.js NAME
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const name = process.argv[2];
if (!name || !/^[a-z]+$/.test(name)) throw new Error("usage: module-one NAME");
const path = join(dirname(fileURLToPath(import.meta.url)), `${name}.js`);
if (!existsSync(path)) {
  process.stdout.write(JSON.stringify({ error: "not built" }) + "\n");
} else {
  const mod = (await import(path)) as { run?: () => Promise<Record<string, unknown>> | Record<string, unknown> };
  if (typeof mod.run !== "function") process.stdout.write(JSON.stringify({ error: "no run() export" }) + "\n");
  else process.stdout.write(JSON.stringify(await mod.run()) + "\n");
}
