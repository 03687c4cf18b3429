/**
 * Option-value parsing and printing shared by extension files: numbers, ports, marks, lists, and the
 * quoting iptables-save applies to free text (xtables_save_string).
 */
import type { OptionOccurrence, DecodeContext } from "./types.js";

/**
 * Quote free text the way iptables-save does (libxtables `xtables_save_string`): unquoted when it is
 * non-empty and made only of `[A-Za-z0-9_-]`, otherwise in double quotes with `"`, `\` and `'`
 * backslash-escaped. Returns the text without a leading space.
 */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => "\\" + c)}"`;
}

/** Strict unsigned integer (decimal, or hex with 0x as strtoul base 0 accepts). */
export function parseUint(text: string, max = 0xffffffff): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = parseInt(text.slice(1), 8);
  else if (/^\d+$/.test(text)) n = Number(text);
  else return null;
  return Number.isSafeInteger(n) && n <= max ? n : null;
}

export function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16);
}

/** Well-known service names iptables resolves through /etc/services (the common ones). */
const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  dns: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  http: 80,
  www: 80,
  kerberos: 88,
  pop3: 110,
  sunrpc: 111,
  ntp: 123,
  imap: 143,
  snmp: 161,
  bgp: 179,
  ldap: 389,
  https: 443,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mysql: 3306,
  postgresql: 5432,
};

export function parsePort(text: string): number | null {
  const n = parseUint(text, 65535);
  if (n !== null && /^\d+$/.test(text)) return n;
  return SERVICES[text] ?? null;
}

export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

/**
 * `a`, `a:b`, `a:` (to 65535) or `:b` (from 0), as the tcp/udp/sctp/multiport matches read them.
 * Returns an error message for bad input.
 */
export function parsePortRange(text: string): PortRange | string {
  const colon = text.indexOf(":");
  if (colon < 0) {
    const p = parsePort(text);
    return p === null ? `'${text}' is not a port number or service name` : { lo: p, hi: p };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === "" ? 0 : parsePort(a);
  const hi = b === "" ? 65535 : parsePort(b);
  if (lo === null) return `'${a}' is not a port number or service name`;
  if (hi === null) return `'${b}' is not a port number or service name`;
  if (lo > hi) return `port range ${text} is inverted (${lo} > ${hi})`;
  return { lo, hi };
}

/** A port or range as iptables-save prints it: `80`, `1000:2000` (a full range prints as `0:65535`). */
export function formatPortRange(r: PortRange): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}:${r.hi}`;
}

export interface MarkValue {
  readonly value: number;
  readonly mask: number;
}

/** `value[/mask]` with the default mask 0xffffffff (mark, connmark). */
export function parseMark(text: string): MarkValue | null {
  const slash = text.indexOf("/");
  const v = parseUint(slash < 0 ? text : text.slice(0, slash));
  const m = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1));
  if (v === null || m === null) return null;
  return { value: v, mask: m };
}

/** The options given to one match or target, by spec name. */
export interface OptionsByName {
  /** The occurrence of option `name`: the first for a non-repeatable option, the last for a repeatable one. */
  get(name: string): OptionOccurrence | undefined;
  has(name: string): boolean;
}

/**
 * Index options by spec name; report repeats of non-repeatable options. Runs for every match of every
 * rule, and a match has a handful of options: a scan of the list beats building a Map.
 */
export function byName(opts: readonly OptionOccurrence[], ctx: DecodeContext, module: string): OptionsByName {
  for (let i = 1; i < opts.length; i++) {
    const o = opts[i]!;
    if (o.spec.repeatable) continue;
    for (let j = 0; j < i; j++)
      if (opts[j]!.spec.name === o.spec.name) {
        ctx.error("repeated-option", `${module}: option ${o.written} given more than once`, o.loc);
        break;
      }
  }
  return new ScannedOptions(opts);
}

class ScannedOptions implements OptionsByName {
  constructor(private readonly opts: readonly OptionOccurrence[]) {}
  get(name: string): OptionOccurrence | undefined {
    let found: OptionOccurrence | undefined;
    for (let i = 0; i < this.opts.length; i++) {
      const o = this.opts[i]!;
      if (o.spec.name !== name) continue;
      if (!o.spec.repeatable) return o;
      found = o;
    }
    return found;
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** Report a negation on an option that iptables does not allow to be negated. */
export function checkNotNegated(o: OptionOccurrence, ctx: DecodeContext, module: string): void {
  if (o.negated && !o.spec.negatable) ctx.error("bad-negation", `${module}: ${o.written} cannot be negated with !`, o.loc);
}

/** Split a comma list, reporting empty items. */
export function commaList(o: OptionOccurrence, ctx: DecodeContext, index = 0): string[] {
  const text = o.values[index] ?? "";
  const items = text.split(",");
  if (items.some((s) => s === "")) ctx.error("bad-value", `${o.written}: empty item in list '${text}'`, o.valueLocs[index] ?? o.loc);
  return items.filter((s) => s !== "");
}

/** `! ` prefix for a negated option in printed output. */
export function neg(negated: boolean): string {
  return negated ? "! " : "";
}

/** Join printed option pieces, dropping empty ones. */
export function words(...parts: (string | false | null | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join(" ");
}
