/**
 * Shared helpers for the target tests: parse one rule in a table and print it back as iptables-save
 * would, with the diagnostics in a compact form.
 */
import { parseRuleset } from "../../../src/model/build.js";
import { printRuleset } from "../../../src/model/print.js";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import type { Family } from "../../../src/net/addr.js";
import type { Rule, Target } from "../../../src/model/ast.js";
import type { Packet } from "../../../src/net/packet.js";
import type { EvalEnv, TargetEffect } from "../../../src/extensions/types.js";
import type { Hook, TableName } from "../../../src/model/ast.js";
import { findTargetExtension } from "../../../src/extensions/index.js";

export interface OneRule {
  /** The printed `-A …` lines (one input line can expand to several). */
  readonly printed: string[];
  readonly diagnostics: Diagnostic[];
  readonly rule: Rule | undefined;
  readonly target: Target | null | undefined;
}

/** Parse `lines` (rule lines, user chain U declared) in `table` and print them back. */
export function roundTrip(family: Family, table: string, ...lines: string[]): OneRule {
  const text = `*${table}\n:U - [0:0]\n${lines.join("\n")}\nCOMMIT\n`;
  const r = parseRuleset(text, { family });
  const printed = printRuleset(r.value)
    .split("\n")
    .filter((l) => l.startsWith("-A"));
  const rule = r.value.tables[0]?.chains.flatMap((c) => c.rules)[0];
  return { printed, diagnostics: r.diagnostics, rule, target: rule?.target };
}

/** The printed rule of a single line (asserting there was exactly one). */
export function canon(family: Family, table: string, line: string): string {
  const r = roundTrip(family, table, line);
  if (r.printed.length !== 1) throw new Error(`expected one rule, got ${r.printed.length}: ${JSON.stringify(r.diagnostics)}`);
  return r.printed[0]!;
}

/** Diagnostics as `severity code line:column+length message`. */
export function diags(family: Family, table: string, ...lines: string[]): string[] {
  return roundTrip(family, table, ...lines).diagnostics.map((d) => `${d.severity} ${d.code} ${d.line}:${d.column}+${d.length ?? 1} ${d.message}`);
}

// ---- Evaluation fixtures ---------------------------------------------------------------------------

export { ip, packet } from "../../support/packets.js";
import { ip } from "../../support/packets.js";

/** An environment whose interfaces have the given primary addresses. */
export function env(table: TableName, hook: Hook, addrs: Record<string, string> = {}): EvalEnv {
  return {
    table,
    hook,
    addrTypes: () => new Set(),
    primaryAddress: (family, iface) => {
      const a = iface !== undefined ? addrs[`${iface}/${family}`] ?? addrs[iface] : undefined;
      return a ? ip(a) : undefined;
    },
  };
}

/** Evaluate the target of the first rule of `line` (parsed in `table`) on `pkt`. */
export function evalTarget(family: Family, table: TableName, line: string, pkt: Packet, e: EvalEnv): TargetEffect {
  const t = roundTrip(family, table, line).target;
  if (!t || t.kind !== "target") throw new Error(`no modelled target in ${line}`);
  const ext = findTargetExtension(t.name);
  if (!ext) throw new Error(`no extension ${t.name}`);
  return ext.evaluate(t, pkt, e);
}
