#!/usr/bin/env node
/**
 * The iptlens command line: commander wiring only; each command lives in commands/<name>.ts and
 * registers itself here.
 */
import { Command, CommanderError } from "commander";
import { registerParse } from "./commands/parse.js";
import { registerFmt } from "./commands/fmt.js";
import { registerLint } from "./commands/lint.js";
import { registerExplain } from "./commands/explain.js";
import { registerDiff } from "./commands/diff.js";
import { EXIT } from "./exit.js";
import { InputError } from "./io.js";
import { UsageError } from "./load.js";
import { sanitize } from "./render.js";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("iptlens")
    .description("explain, lint and diff iptables rule sets from Kubernetes nodes")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerParse(program);
  registerFmt(program);
  registerLint(program);
  registerExplain(program);
  registerDiff(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`iptlens: ${sanitize(e.message)}\n`);
      return EXIT.usage;
    }
    if (e instanceof InputError) {
      process.stderr.write(`iptlens: ${sanitize(e.message)}\n`);
      return EXIT.invalidInput;
    }
    throw e;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain || process.argv[1]?.endsWith("/iptlens")) {
  main(process.argv.slice(2)).then(
    // Set, not exit(): exiting at once could cut off output still queued for a pipe.
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`iptlens: internal error: ${sanitize(String((e as Error)?.stack ?? e))}\n`);
      process.exit(70);
    },
  );
}
