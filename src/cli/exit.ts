/** Exit codes, the same for every command. */
export const EXIT = {
  /** Nothing to report. */
  ok: 0,
  /** Findings (lint), differences (diff), non-canonical input (fmt --check). */
  findings: 1,
  /** The input could not be read or has errors. */
  invalidInput: 2,
  /** Bad command line. */
  usage: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
