/**
 * Helpers shared by the match extension files (not an extension itself): C-style number parsing as
 * libxtables does it (strtoul with base 0), keyword lookup by case-insensitive prefix (the way many
 * libxt_* parsers call strncasecmp with the length of the user's word), interface wildcards, chain
 * placement checks and the combination of several partial results into one MatchEval.
 */
import type { SourceLoc } from "../../model/ast.js";
import { isBuiltinChain } from "../../model/ast.js";
import type { DecodeContext, MatchEval } from "../types.js";

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
