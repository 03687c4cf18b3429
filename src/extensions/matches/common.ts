/**
 * Helpers shared by the match extension files (not an extension itself): C-style number parsing as
 * libxtables does it (strtoul with base 0), keyword lookup by case-insensitive prefix (the way many
 * libxt_* parsers call strncasecmp with the length of the user's word), interface wildcards, chain
 * placement checks and the combination of several partial results into one MatchEval.
 */
import type { SourceLoc } from "../../model/ast.js";
import { isBuiltinChain } from "../../model/ast.js";
import type { DecodeContext, MatchEval, OptionOccurrence } from "../types.js";

/**
 * Unsigned integer as `xtables_strtoui(s, NULL, &v, 0, max)` reads it: strtoul base 0, so `0x1f` is hex,
 * a leading `0` means octal (`08` is refused), anything else decimal. Returns null when the whole text is
 * not a number or it exceeds `max`.
 */
export function parseCUint(text: string, max = 0xffffffff): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) n = text.length > 1 ? parseInt(text.slice(1), 8) : 0;
  else if (/^[1-9]\d*$/.test(text)) n = Number(text);
  else return null;
  return Number.isSafeInteger(n) && n <= max ? n : null;
}

/** Plain decimal (`atoi`/base-10 strtoul), for options libxtables reads as XTTYPE_UINT* base 10. */
export function parseDecimal(text: string, max = 0xffffffff): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= max ? n : null;
}

/**
 * The first keyword that `word` is a case-insensitive prefix of (`strncasecmp(keyword, word,
 * strlen(word)) == 0`), in table order, as libxt_conntrack/libxt_addrtype/libxt_state parse their lists.
 * An empty word matches nothing.
 */
export function prefixKeyword<K extends string>(word: string, keywords: readonly K[]): K | undefined {
  if (word === "") return undefined;
  const w = word.toLowerCase();
  return keywords.find((k) => k.toLowerCase().startsWith(w));
}

/**
 * Interface name comparison as the kernel does it for `-i`/`--physdev-in`: a trailing `+` makes the
 * rest a prefix (`eth+` matches `eth0` and `eth`, `+` matches any name); otherwise the names are equal.
 */
export function ifaceMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith("+")) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

/** Longest interface name (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

/**
 * Report a match used in a built-in chain whose hook the kernel refuses for it (checkentry's hook mask).
 * User chains are checked by the whole-ruleset validation through jumps, not here.
 */
export function checkHooks(
  ctx: DecodeContext,
  module: string,
  allowed: readonly string[],
  loc: SourceLoc,
  what = `-m ${module}`,
): void {
  if (!isBuiltinChain(ctx.table, ctx.chain)) return;
  if (!allowed.includes(ctx.chain))
    ctx.error(
      "bad-hook",
      `${what} is only valid in ${allowed.join(", ")} (the kernel refuses it in ${ctx.chain})`,
      loc,
    );
}

/** An unknown result whose key and assumption carry the negation, so that a key's answer is the match's. */
export function unknown(key: string, assumption: string, negated = false): MatchEval {
  return negated
    ? { kind: "unknown", key: `!${key}`, assumption: `not: ${assumption}` }
    : { kind: "unknown", key, assumption };
}

/**
 * AND of partial results, as a match with several conditions is: false as soon as one is false; true
 * when all are; otherwise the single undecided part, or one unknown naming all undecided parts
 * (keys joined with ` & `).
 */
export function allOf(parts: readonly MatchEval[]): MatchEval {
  const open: MatchEval[] = [];
  for (const p of parts) {
    if (p === false) return false;
    if (p !== true) open.push(p);
  }
  if (open.length === 0) return true;
  if (open.length === 1) return open[0]!;
  const unknowns = open.filter((p): p is Extract<MatchEval, { kind: "unknown" }> => typeof p === "object" && p.kind === "unknown");
  const randoms = open.filter((p): p is Extract<MatchEval, { kind: "random" }> => typeof p === "object" && p.kind === "random");
  if (unknowns.length === 0) return { kind: "random", probability: randoms.reduce((a, r) => a * r.probability, 1) };
  return {
    kind: "unknown",
    key: unknowns.map((u) => u.key).join(" & "),
    assumption: unknowns.map((u) => u.assumption).join(" and "),
  };
}

// ---- libxtables option machinery -------------------------------------------------------------------
//
// For the match files that follow libxtables closely (string, u32, connlimit, hashlimit, policy, time,
// …): the C number parsing (`strtoul`/`xtables_strtoul` with base 0) and problems reported in
// libxtables' own wording: `NAME: option "--x" can only be used once.`, `… cannot be used together
// with …`, `… must be specified`, `bad value for option "--x", or out of range (MIN-MAX).`

export const U32_MAX = 0xffffffff;
export const U64_MAX = (1n << 64n) - 1n;

/** Result of C `strtoul`/`strtoull` on a prefix of the text. */
export interface CNumber {
  readonly value: bigint;
  /** Index of the first character not consumed; 0 when nothing was converted. */
  readonly end: number;
  /** ERANGE: the digits exceed 64 bits (value is then U64_MAX). */
  readonly overflow: boolean;
  /** A `-` sign was read (strtoul negates the value modulo 2^64). */
  readonly negative: boolean;
}

const SPACE = /[ \t\n\v\f\r]/;

/** glibc `strtoull(text, &end, base)` for base 0, 8, 10 or 16. */
export function cStrtoul(text: string, base: 0 | 8 | 10 | 16 = 0): CNumber {
  let i = 0;
  while (i < text.length && SPACE.test(text[i]!)) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") {
    negative = text[i] === "-";
    i++;
  }
  let b: number = base;
  const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
  if ((b === 0 || b === 16) && text[i] === "0" && (text[i + 1] === "x" || text[i + 1] === "X") && isHex(text[i + 2])) {
    b = 16;
    i += 2;
  } else if (b === 0) b = text[i] === "0" ? 8 : 10;
  const start = i;
  let v = 0n;
  let overflow = false;
  for (; i < text.length; i++) {
    const d = parseInt(text[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    v = v * BigInt(b) + BigInt(d);
    if (v > U64_MAX) overflow = true;
  }
  if (i === start) return { value: 0n, end: 0, overflow: false, negative: false };
  if (overflow) return { value: U64_MAX, end: i, overflow, negative };
  return { value: negative ? (U64_MAX + 1n - v) & U64_MAX : v, end: i, overflow, negative };
}

/**
 * `xtables_strtoul(text, end ? &end : NULL, &v, min, max)`: base 0, no minus sign, no overflow, within
 * [min, max]; with `whole` the entire text must be the number. Returns the value and where it ended.
 */
export function xtStrtoul(text: string, min: bigint, max: bigint, whole = true): { value: bigint; end: number } | null {
  let i = 0;
  while (i < text.length && SPACE.test(text[i]!)) i++;
  if (text[i] === "-") return null;
  const r = cStrtoul(text, 0);
  if (r.end === 0 || r.overflow) return null;
  if (r.value < min || r.value > max) return null;
  if (whole && r.end !== text.length) return null;
  return { value: r.value, end: r.end };
}

/** An unsigned option value as libxtables' XTTYPE_UINT8/16/32 reads it (strtoul base 0, whole word). */
export function xtUint(text: string, max: number, min = 0): number | null {
  const r = xtStrtoul(text, BigInt(min), BigInt(max));
  return r ? Number(r.value) : null;
}

/** `MODULE: bad value for option "--NAME", or out of range (MIN-MAX).` at the option's value. */
export function badValue(ctx: DecodeContext, module: string, o: OptionOccurrence, min: number | bigint, max: number | bigint, name = o.spec.name): void {
  ctx.error("bad-value", `${module}: bad value for option "--${name}", or out of range (${min}-${max}).`, valueLoc(o));
}

export function valueLoc(o: OptionOccurrence, i = 0): SourceLoc {
  return o.valueLocs[i] ?? o.loc;
}

/**
 * Index the options by spec name. A repeated option is reported as libxtables does (`MODULE: option
 * "--NAME" can only be used once.`, naming the option table's entry) and only the first is kept.
 * `names` maps a spec name to the name libxtables uses in messages, when they differ.
 */
export function collect(
  opts: readonly OptionOccurrence[],
  ctx: DecodeContext,
  module: string,
  names: Readonly<Record<string, string>> = {},
): Map<string, OptionOccurrence> {
  const map = new Map<string, OptionOccurrence>();
  for (const o of opts) {
    if (map.has(o.spec.name) && !o.spec.repeatable) {
      ctx.error("repeated-option", `${module}: option "--${names[o.spec.name] ?? o.spec.name}" can only be used once.`, o.loc);
      continue;
    }
    map.set(o.spec.name, o);
  }
  return map;
}

/**
 * Two options that exclude each other: reported at the later one, named in option-table order (as
 * xtables_options_fcheck does). Returns true when both were given.
 */
export function exclusive(o: ReadonlyMap<string, OptionOccurrence>, ctx: DecodeContext, module: string, first: string, second: string): boolean {
  const a = o.get(first);
  const b = o.get(second);
  if (!a || !b) return false;
  const later = a.loc.offset > b.loc.offset ? a : b;
  ctx.error("conflicting-options", `${module}: option "--${first}" cannot be used together with "--${second}".`, later.loc);
  return true;
}

/** `MODULE: option "--NAME" must be specified` (XTOPT_MAND). Returns whether it was given. */
export function mandatory(o: ReadonlyMap<string, OptionOccurrence>, ctx: DecodeContext, module: string, name: string, loc: SourceLoc): boolean {
  if (o.has(name)) return true;
  ctx.error("missing-option", `${module}: option "--${name}" must be specified`, loc);
  return false;
}

/**
 * XTTYPE_UINT32RC / UINT64RC (`n`, `n:m`, `n:`, `:m`), each part read with strtoul base 0. Returns the
 * parts (`hi` undefined for a single number) or an error message in libxtables' wording.
 */
export function parseRangeRC(
  text: string,
  module: string,
  option: string,
  max: bigint,
): { lo: bigint; hi: bigint | undefined } | string {
  const parts = text.split(":");
  if (parts.length > 2) return `${module}: Too many components for option "--${option}" (max: 2)`;
  const vals: bigint[] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if (p === "") {
      vals.push(k === 0 ? 0n : max);
      continue;
    }
    const r = xtStrtoul(p, 0n, max);
    if (!r) return `${module}: bad value for option "--${option}" near "${p}", or out of range (0-${max}).`;
    vals.push(r.value);
  }
  return { lo: vals[0]!, hi: parts.length === 2 ? vals[1]! : undefined };
}

/**
 * The names getprotobyname knows on Debian (netbase /etc/protocols: each name and its alias,
 * case-sensitive), for the options that resolve protocols through it (ipv6header, policy).
 */
export const ETC_PROTOCOLS: Readonly<Record<string, number>> = {
  ip: 0, IP: 0, hopopt: 0, HOPOPT: 0, icmp: 1, ICMP: 1, igmp: 2, IGMP: 2, tcp: 6, TCP: 6, udp: 17, UDP: 17,
  ipv6: 41, IPv6: 41, "ipv6-route": 43, "IPv6-Route": 43, "ipv6-frag": 44, "IPv6-Frag": 44, gre: 47, GRE: 47,
  esp: 50, "IPSEC-ESP": 50, ah: 51, "IPSEC-AH": 51, "ipv6-icmp": 58, "IPv6-ICMP": 58, "ipv6-nonxt": 59,
  "IPv6-NoNxt": 59, "ipv6-opts": 60, "IPv6-Opts": 60, ipcomp: 108, IPCOMP: 108, sctp: 132, SCTP: 132,
  "mobility-header": 135, "Mobility-Header": 135, udplite: 136, UDPLite: 136,
};

/** getprotobyname: the number for a name in ETC_PROTOCOLS, or undefined. */
export function etcProtocol(name: string): number | undefined {
  return Object.hasOwn(ETC_PROTOCOLS, name) ? ETC_PROTOCOLS[name] : undefined;
}
