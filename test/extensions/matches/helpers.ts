/**
 * Shared helpers for the match tests: parse one rule in a table and print it back as iptables-save
 * would, the diagnostics in a compact form, and evaluation fixtures.
 */
import { parseRuleset } from "../../../src/model/build.js";
import { printRuleset } from "../../../src/model/print.js";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import type { Family, IpAddr } from "../../../src/net/addr.js";
import type { Packet } from "../../../src/net/packet.js";
import type { AddrType, EvalEnv, MatchEval } from "../../../src/extensions/types.js";
import type { Hook, Match, Rule, TableName } from "../../../src/model/ast.js";
import { findMatchExtension } from "../../../src/extensions/index.js";

export interface OneRule {
  /** The printed `-A …` lines. */
  readonly printed: string[];
  readonly diagnostics: Diagnostic[];
  readonly rule: Rule | undefined;
}

/** Parse `lines` (rule lines; user chain U declared) in `table` and print them back. Rules are on line 3. */
export function roundTrip(family: Family, table: string, ...lines: string[]): OneRule {
  const text = `*${table}\n:U - [0:0]\n${lines.join("\n")}\nCOMMIT\n`;
  const r = parseRuleset(text, { family });
  const printed = printRuleset(r.value)
    .split("\n")
    .filter((l) => l.startsWith("-A"));
  const rule = r.value.tables[0]?.chains.flatMap((c) => c.rules)[0];
  return { printed, diagnostics: r.diagnostics, rule };
}

/** The printed rule of a single line (asserting there was exactly one and no error). */
export function canon(family: Family, table: string, line: string): string {
  const r = roundTrip(family, table, line);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (r.printed.length !== 1 || errors.length) throw new Error(`expected one clean rule: ${JSON.stringify(r.diagnostics)}`);
  return r.printed[0]!;
}

/** Diagnostics other than info, as `severity code line:column+length message`. */
export function diags(family: Family, table: string, ...lines: string[]): string[] {
  return roundTrip(family, table, ...lines)
    .diagnostics.filter((d) => d.severity !== "info")
    .map((d) => `${d.severity} ${d.code} ${d.line}:${d.column}+${d.length ?? 1} ${d.message}`);
}

/** 1-based column of the first occurrence of `needle` in `line` (for diagnostics positions). */
export function col(line: string, needle: string, from = 0): number {
  const i = line.indexOf(needle, from);
  if (i < 0) throw new Error(`'${needle}' not in '${line}'`);
  return i + 1;
}

// ---- Evaluation fixtures ---------------------------------------------------------------------------

export { ip, packet } from "../../support/packets.js";

/**
 * An environment whose routing table knows the given address types: `{ "10.0.0.2": ["LOCAL"] }`, or per
 * interface `{ "10.0.0.2%eth0": ["LOCAL"] }` (consulted when the match limits the lookup to an interface).
 * Unlisted addresses are UNICAST.
 */
export function env(table: TableName = "filter", hook: Hook = "INPUT", types: Record<string, AddrType[]> = {}): EvalEnv {
  return {
    table,
    hook,
    addrTypes: (addr: IpAddr, iface?: string) => {
      const key = formatKey(addr);
      const t = (iface !== undefined ? types[`${key}%${iface}`] : undefined) ?? types[key] ?? ["UNICAST"];
      return new Set(t);
    },
    primaryAddress: () => undefined,
  };
}

function formatKey(a: IpAddr): string {
  if (a.family === 4) {
    const v = Number(a.value);
    return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  return a.value.toString(16);
}

/** The `index`-th match node of the first rule of `line`. */
export function matchOf(family: Family, table: string, line: string, index = 0): Match {
  const r = roundTrip(family, table, line);
  const m = r.rule?.matches[index];
  if (!m) throw new Error(`no match ${index} in ${line}: ${JSON.stringify(r.diagnostics)}`);
  return m;
}

/** Evaluate the `index`-th match of the first rule of `line` on `pkt`. */
export function evalMatch(family: Family, table: string, line: string, pkt: Packet, e: EvalEnv = env(), index = 0): MatchEval {
  const m = matchOf(family, table, line, index);
  if (m.kind !== "match") throw new Error(`match ${index} of ${line} is opaque`);
  const ext = findMatchExtension(m.module);
  if (!ext) throw new Error(`no extension ${m.module}`);
  return ext.evaluate(m, pkt, e);
}
