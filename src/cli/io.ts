/** Reading inputs for the CLI: a file path or `-` for standard input. */
import { readFileSync } from "node:fs";

export class InputError extends Error {}

export interface Input {
  readonly name: string;
  readonly text: string;
}

export function readInput(path: string | undefined): Input {
  const p = path ?? "-";
  if (p === "-") {
    try {
      return { name: "<stdin>", text: readFileSync(0, "utf8") };
    } catch (e) {
      throw new InputError(`cannot read standard input: ${(e as Error).message}`);
    }
  }
  try {
    return { name: p, text: readFileSync(p, "utf8") };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message;
    throw new InputError(`cannot read ${p}: ${why}`);
  }
}
