/**
 * `-m string` (iptables-extensions(8), "string"): `--algo bm|kmp`, `--from OFFSET`, `--to OFFSET`,
 * `[!] --string PATTERN`, `[!] --hex-string PATTERN`, `--icase`. Revision 1 (the one iptables 1.8 uses).
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - fixed order: `[!] --string "…"` or `[!] --hex-string "|…|"`, `--algo NAME`, `--from N`, `--to N`,
 *   `--icase`; the pattern is always in double quotes;
 * - the pattern is kept as bytes and printed as `--string` when every byte is printable ASCII
 *   (0x20-0x7e) and the last is not a backslash, with `"` and `\` backslash-escaped
 *   (`--hex-string "|414243|"` → `--string "ABC"`); otherwise as one lower-case hex block
 *   (`--string é` → `--hex-string "|c3a9|"`, `--string "a\\"` → `--hex-string "|615c|"`);
 * - the hex-string parser is libxt_string's: `|..|` blocks of hex pairs (spaces inside allowed), text
 *   outside copied, `\x` a literal `x`; quirks kept (`"|41||42|"` → `A|42`);
 * - `--from 0` and `--to 65535` (the defaults) are not printed; offsets are strtoul base 0 (`0x10` → 16,
 *   `010` → 8); `--from` above `--to` is refused by the kernel (Invalid argument); `--to 0` is kept;
 * - `--algo` is mandatory and case-sensitive: the kernel knows `bm` and `kmp` (others: No such file or
 *   directory); a pattern longer than 128 bytes is refused ("STRING too long"); an empty `--string` is
 *   refused by the kernel, an empty `--hex-string` by iptables.
 *
 * Evaluation: the match reads the payload, which the packet model does not carry: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg, words } from "../util.js";
import { badValue, collect, exclusive, mandatory, unknown, valueLoc, xtUint } from "./common.js";

export type StringAlgo = "bm" | "kmp";

export interface StringMatch extends MatchBase {
  readonly module: "string";
  /** The pattern's bytes (UTF-8 of `--string`, decoded `--hex-string`). */
  readonly pattern: readonly number[];
  readonly negated: boolean;
  /** As written: only bm and kmp exist in the kernel. */
  readonly algo: string;
  readonly from: number;
  readonly to: number;
  readonly icase: boolean;
}

/** XT_STRING_MAX_PATTERN_SIZE. */
export const MAX_STRING_PATTERN = 128;
export const STRING_ALGOS: readonly StringAlgo[] = ["bm", "kmp"];

/** libxt_string parse_hex_string: the bytes, or an error message as iptables words it. */
export function parseHexString(s: string): number[] | string {
  const src = Buffer.from(s, "utf8");
  const out: number[] = [];
  const slen = src.length;
  if (slen === 0) return "STRING must contain at least one char";
  const isx = (c: number | undefined) => c !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(c));
  let i = 0;
  let hex = false;
  let literal = false;
  const BS = 0x5c;
  const BAR = 0x7c;
  while (i < slen) {
    if (out.length >= MAX_STRING_PATTERN) return `STRING too long "${s}"`;
    if (src[i] === BS && !hex) literal = true;
    else if (src[i] === BS) return "Cannot include literals in hex data";
    else if (src[i] === BAR) {
      if (hex) hex = false;
      else {
        hex = true;
        while (src[i + 1] === 0x20) i++;
      }
      if (i + 1 >= slen) break;
      i++;
    }
    if (literal) {
      if (i + 1 >= slen) return "Bad literal placement at end of string";
      out.push(src[i + 1]!);
      i += 2;
      literal = false;
    } else if (hex) {
      if (i + 1 >= slen) return "Odd number of hex digits";
      if (i + 2 >= slen) return "Invalid hex block";
      if (!isx(src[i])) return `Invalid hex char '${String.fromCharCode(src[i]!)}'`;
      if (!isx(src[i + 1])) return `Invalid hex char '${String.fromCharCode(src[i + 1]!)}'`;
      out.push(parseInt(String.fromCharCode(src[i]!, src[i + 1]!), 16));
      i += src[i + 2] === 0x20 ? 3 : 2;
    } else {
      out.push(src[i]!);
      i++;
    }
  }
  return out;
}

/** libxt_string is_hex_string: a non-printable byte, or a trailing backslash. */
function needsHex(p: readonly number[]): boolean {
  return p.some((c) => c < 0x20 || c > 0x7e) || p[p.length - 1] === 0x5c;
}

/** The pattern as iptables-save prints it, with its option name. */
export function formatPattern(p: readonly number[]): string {
  if (needsHex(p)) return `--hex-string "|${p.map((c) => c.toString(16).padStart(2, "0")).join("")}|"`;
  const text = p.map((c) => (c === 0x22 || c === 0x5c ? "\\" : "") + String.fromCharCode(c)).join("");
  return `--string "${text}"`;
}

export const string = defineMatch<StringMatch>({
  name: "string",
  options: [
    { name: "from", args: 1 },
    { name: "to", args: 1 },
    { name: "algo", args: 1 },
    { name: "string", args: 1, negatable: true },
    { name: "hex-string", args: 1, negatable: true },
    { name: "icase", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "string");
    const both = exclusive(o, ctx, "string", "string", "hex-string");
    const hasAlgo = mandatory(o, ctx, "string", "algo", loc);
    const occ = both ? [o.get("string")!, o.get("hex-string")!].sort((a, b) => a.loc.offset - b.loc.offset)[0]! : (o.get("string") ?? o.get("hex-string"));
    if (!occ) {
      ctx.error("missing-option", "STRING match: You must specify `--string' or `--hex-string'", loc);
      return null;
    }
    let pattern: number[] = [];
    const text = occ.values[0]!;
    if (occ.spec.name === "string") {
      pattern = [...Buffer.from(text, "utf8")];
      if (pattern.length > MAX_STRING_PATTERN) ctx.error("bad-value", `STRING too long "${text}"`, valueLoc(occ));
      else if (pattern.length === 0) ctx.error("bad-value", "string: an empty --string is refused by the kernel (Invalid argument)", valueLoc(occ));
    } else {
      const r = parseHexString(text);
      if (typeof r === "string") ctx.error("bad-value", r, valueLoc(occ));
      else pattern = r;
    }
    const offset = (k: "from" | "to", dflt: number): number => {
      const x = o.get(k);
      if (!x) return dflt;
      const n = xtUint(x.values[0]!, 65535);
      if (n === null) {
        badValue(ctx, "string", x, 0, 65535);
        return dflt;
      }
      return n;
    };
    const from = offset("from", 0);
    const to = offset("to", 65535);
    if (from > to)
      ctx.error("bad-value", `string: --from ${from} is beyond --to ${to} (the kernel refuses it: Invalid argument)`, o.get("from")!.loc);
    const algoOcc = o.get("algo");
    const algo = algoOcc?.values[0] ?? "bm";
    if (hasAlgo && !(STRING_ALGOS as readonly string[]).includes(algo))
      ctx.error("bad-value", `string: unknown --algo '${algo}': the kernel has bm and kmp (it refuses others: No such file or directory)`, valueLoc(algoOcc!));
    return { kind: "match", module: "string", loc, pattern, negated: occ.negated, algo, from, to, icase: o.has("icase") };
  },
  print(m) {
    return words(
      `${neg(m.negated)}${formatPattern(m.pattern)}`,
      `--algo ${m.algo}`,
      m.from !== 0 && `--from ${m.from}`,
      m.to !== 65535 && `--to ${m.to}`,
      m.icase && "--icase",
    );
  },
  evaluate(m) {
    const p = formatPattern(m.pattern).replace(/^--(hex-)?string /, "");
    const where = m.from !== 0 || m.to !== 65535 ? ` between offsets ${m.from} and ${m.to}` : "";
    return unknown(
      `string:${p}${m.icase ? " icase" : ""}${where ? ` ${m.from}-${m.to}` : ""}`,
      `the packet contains ${p}${m.icase ? " (ignoring case)" : ""}${where}`,
      m.negated,
    );
  },
});
