/**
 * Readers for the rule shapes kube-proxy writes: the comment that names a service port, the jump, the
 * protocol, destination host and port of a frontend, a DNAT destination, a `statistic` step. They read
 * the AST; where an extension was not decoded (an opaque match or target) they read the words as
 * iptables-save printed them.
 */
import type { Match, Rule } from "../model/ast.js";
import { printMatch, printTarget } from "../model/print.js";
import type { Family, IpAddr } from "../net/addr.js";
import { splitPrinted } from "../model/words.js";
import type { AddrtypeMatch } from "../extensions/matches/addrtype.js";
import type { CommentMatch } from "../extensions/matches/comment.js";
import { formatProbability, type StatisticMatch } from "../extensions/matches/statistic.js";

/** The text of a rule's `-m comment` (the first one), or undefined. */
export function ruleComment(r: Rule): string | undefined {
  for (const m of r.matches) if (m.kind === "match" && m.module === "comment") return (m as CommentMatch).comment;
  return undefined;
}

/** The chain a rule jumps (or goes) to. */
export function jumpTarget(r: Rule): string | undefined {
  return r.target?.kind === "jump" ? r.target.chain : undefined;
}

export function hasModule(r: Rule, module: string): boolean {
  return r.matches.some((m) => m.module === module);
}

/** The rule's `-p` protocol number, unless negated or `all`. */
export function ruleProto(r: Rule): number | undefined {
  return r.protocol && !r.protocol.negated && r.protocol.number !== 0 ? r.protocol.number : undefined;
}

/** `--dport N` of the rule's protocol match, when it is a single port. */
export function ruleDport(r: Rule): number | undefined {
  for (const m of r.matches) {
    if (m.kind !== "match") continue;
    const d = (m as { dport?: { negated: boolean; range: { lo: number; hi: number } } }).dport;
    if (d && !d.negated && d.range.lo === d.range.hi) return d.range.lo;
  }
  return undefined;
}

/** `-d host` (a /32 or /128, not negated). */
export function ruleDstHost(r: Rule): IpAddr | undefined {
  const d = r.destination;
  if (!d || d.negated) return undefined;
  const full = d.net.family === 4 ? 32 : 128;
  return d.net.prefixLen === full ? { family: d.net.family, value: d.net.addr } : undefined;
}

/** Whether the rule tests `-m addrtype --src-type LOCAL` (side "src") or `--dst-type LOCAL` (side "dst"). */
export function hasAddrtypeLocal(r: Rule, side: "src" | "dst"): boolean {
  return r.matches.some((m) => m.kind === "match" && m.module === "addrtype" && (m as AddrtypeMatch)[side]?.types.includes("LOCAL") === true);
}

/** The words after `-m module` for a rule's first match of that module. */
export function matchWords(r: Rule, module: string, family: Family): string[] | undefined {
  const m: Match | undefined = r.matches.find((x) => x.module === module);
  if (!m) return undefined;
  return m.kind === "opaque-match" ? [...m.args] : splitPrinted(printMatch(m, family)).slice(2);
}

/** The words after `-j NAME`. */
export function targetWords(r: Rule, family: Family): string[] {
  return r.target ? splitPrinted(printTarget(r.target, family)).slice(2) : [];
}

/** The word after an option in a list of words (`--to-destination` → `10.244.1.5:8080`). */
export function optionValue(words: readonly string[], name: string): string | undefined {
  const i = words.indexOf(name);
  return i >= 0 ? words[i + 1] : undefined;
}

const dnatCache = new WeakMap<Rule, string | undefined>();

/** The `--to-destination` of a DNAT rule as iptables-save prints it (`10.244.1.5:8080`, `[fd00::5]:80`). */
export function dnatDestination(r: Rule, family: Family): string | undefined {
  if (r.target?.kind === "jump" || r.target?.kind === "verdict" || !r.target || r.target.name !== "DNAT") return undefined;
  if (dnatCache.has(r)) return dnatCache.get(r);
  const d = optionValue(targetWords(r, family), "--to-destination");
  dnatCache.set(r, d);
  return d;
}

/**
 * A load-balancing step's `-m statistic`: the probability as iptables-save prints it (the kernel's
 * 31-bit value, `%.11f`), undefined without a statistic match, or what kube-proxy never writes: a
 * negated match or `--mode nth`.
 */
export function statisticProbability(r: Rule): number | "nth" | "negated" | undefined {
  const m = r.matches.find((x) => x.module === "statistic");
  if (!m) return undefined;
  if (m.kind === "match") {
    const s = m as StatisticMatch;
    if (s.negated) return "negated";
    return s.random ? Number(formatProbability(s.random.fixed)) : "nth";
  }
  const w = m.args;
  if (w.includes("!")) return "negated";
  if (optionValue(w, "--mode") !== "random") return "nth";
  const p = Number(optionValue(w, "--probability"));
  return Number.isFinite(p) ? p : "nth";
}
