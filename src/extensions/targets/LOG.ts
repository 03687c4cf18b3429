/**
 * `-j LOG` (iptables-extensions(8), "LOG"): `--log-level`, `--log-prefix`, `--log-tcp-sequence`,
 * `--log-tcp-options`, `--log-ip-options`, `--log-uid`, `--log-macdecode`. Non-terminating: logs to the
 * kernel log and continues with the next rule.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `[--log-prefix P] [--log-level N] [--log-tcp-sequence] [--log-tcp-options]
 *   [--log-ip-options] [--log-uid] [--log-macdecode]` whatever the input order;
 * - the level prints as a number and is omitted when 4 (warning, the default); names are lower-case only
 *   (emerg/panic 0, alert 1, crit 2, error 3, warning 4, notice 5, info 6, debug 7; `warn`, `err`,
 *   `DEBUG` are 'log level "warn" unknown'); numbers in any strtoul base up to 7 (`0x3` → 3; `010` = 8 is
 *   unknown);
 * - the prefix is quoted by xtables_save_string (`"foo: "`, `"a\'b"`, bare `foo`), silently truncated to
 *   29 bytes; `""` is refused ("Argument must have a minimum length of 1 characters"), newlines too
 *   ("Newlines not allowed in --log-prefix");
 * - placement: every table and chain.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, saveString, words } from "../util.js";
import { parseU32 } from "./mark-ops.js";

export interface LogTarget extends TargetBase {
  readonly name: "LOG";
  /** syslog level 0–7 (default 4). */
  readonly level: number;
  readonly prefix?: string;
  readonly tcpSequence: boolean;
  readonly tcpOptions: boolean;
  readonly ipOptions: boolean;
  readonly uid: boolean;
  readonly macDecode: boolean;
}

export const LOG_LEVELS: Readonly<Record<string, number>> = {
  emerg: 0,
  panic: 0,
  alert: 1,
  crit: 2,
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

/** XTTYPE_SYSLOGLEVEL: a number 0–7 in any base, or a lower-case level name. */
export function parseLogLevel(text: string): number | null {
  const n = parseU32(text);
  if (n !== null && n <= 7) return n;
  return LOG_LEVELS[text] ?? null;
}

/** Truncate to at most `max` UTF-8 bytes (on a character boundary). */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, "utf8") <= max) return text;
  let out = "";
  for (const ch of text) {
    if (Buffer.byteLength(out + ch, "utf8") > max) break;
    out += ch;
  }
  return out;
}

export const LOG_PREFIX_MAX = 29;

export const LOG = defineTarget<LogTarget>({
  name: "LOG",
  options: [
    { name: "log-level", args: 1 },
    { name: "log-prefix", args: 1 },
    { name: "log-tcp-sequence", args: 0 },
    { name: "log-tcp-options", args: 0 },
    { name: "log-ip-options", args: 0 },
    { name: "log-uid", args: 0 },
    { name: "log-macdecode", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "LOG");
    let level = 4;
    const lv = o.get("log-level");
    if (lv) {
      const n = parseLogLevel(lv.values[0] ?? "");
      if (n === null) ctx.error("bad-log-level", `LOG: log level "${lv.values[0]}" unknown (0-7 or emerg, alert, crit, error, warning, notice, info, debug)`, lv.valueLocs[0] ?? lv.loc);
      else level = n;
    }
    let prefix: string | undefined;
    const p = o.get("log-prefix");
    if (p) {
      const text = p.values[0] ?? "";
      const vloc = p.valueLocs[0] ?? p.loc;
      if (text === "") ctx.error("bad-value", "LOG: --log-prefix must not be empty (iptables: Argument must have a minimum length of 1 characters)", vloc);
      else if (text.includes("\n")) ctx.error("bad-value", "LOG: Newlines not allowed in --log-prefix", vloc);
      else {
        prefix = truncateBytes(text, LOG_PREFIX_MAX);
        if (prefix !== text)
          ctx.warn("log-prefix-truncated", `LOG: --log-prefix is longer than ${LOG_PREFIX_MAX} bytes; iptables silently truncates it to ${saveString(prefix)}`, vloc);
      }
    }
    return {
      kind: "target",
      name: "LOG",
      loc,
      level,
      ...(prefix !== undefined ? { prefix } : {}),
      tcpSequence: o.has("log-tcp-sequence"),
      tcpOptions: o.has("log-tcp-options"),
      ipOptions: o.has("log-ip-options"),
      uid: o.has("log-uid"),
      macDecode: o.has("log-macdecode"),
    };
  },
  print(t) {
    return words(
      t.prefix !== undefined && `--log-prefix ${saveString(t.prefix)}`,
      t.level !== 4 && `--log-level ${t.level}`,
      t.tcpSequence && "--log-tcp-sequence",
      t.tcpOptions && "--log-tcp-options",
      t.ipOptions && "--log-ip-options",
      t.uid && "--log-uid",
      t.macDecode && "--log-macdecode",
    );
  },
  evaluate() {
    return { kind: "continue" };
  },
});
