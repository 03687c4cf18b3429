/**
 * `-m u32` (iptables-extensions(8), "u32"): `[!] --u32 TESTS`, where
 * `TESTS := LOCATION "=" VALUE [ "&&" TESTS ]`, `VALUE := RANGE ["," VALUE]`, `RANGE := N [":" N]`,
 * `LOCATION := N [OP N]…`, `OP := "&" | "<<" | ">>" | "@"`.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - the tests are printed in one double-quoted word with every number in lower-case hex and no spaces:
 *   `"0>>22&0x3C@12>>26&0x3C@0&0xFF=0x17"` → `"0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0&0xff=0x17"`;
 * - numbers are strtoul base 0 (`010` → 0x8, `+1` → 0x1; `-1` and values above 0xffffffff are refused;
 *   `08` reads as 0 followed by garbage); spaces between tokens are allowed and dropped;
 * - `5:5` prints `0x5`, an inverted range `5:4` is kept;
 * - at most 10 numbers per location, 10 ranges per value and 10 tests; errors name the character
 *   position as libxt_u32 does (`u32: at char 2: a second '<' was expected`);
 * - `! --u32 …` prints `! --u32 "…"`; `--u32` is mandatory and only once.
 *
 * Evaluation: the tests read packet bytes the model does not carry: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg } from "../util.js";
import { collect, cStrtoul, mandatory, U32_MAX, unknown, valueLoc } from "./common.js";

export type U32Op = "&" | "<<" | ">>" | "@";

export interface U32Test {
  /** The first number has no operator; each following one is applied with its operator. */
  readonly location: readonly { readonly op?: U32Op; readonly number: number }[];
  readonly values: readonly { readonly min: number; readonly max: number }[];
}

export interface U32Match extends MatchBase {
  readonly module: "u32";
  readonly negated: boolean;
  readonly tests: readonly U32Test[];
}

/** XT_U32_MAXSIZE. */
export const U32_MAXSIZE = 10;

const isSpace = (c: string | undefined) => c !== undefined && /[ \t\n\v\f\r]/.test(c);

/** libxt_u32's u32_parse: the tests, or the error message iptables prints. */
export function parseU32(arg: string): U32Test[] | string {
  const tests: U32Test[] = [];
  let loc: { op?: U32Op; number: number }[] = [];
  let vals: { min: number; max: number }[] = [];
  let state = 0;
  let i = 0;
  const num = (pos: number): number | string => {
    // xtables_strtoui(s, &end, &n, 0, UINT32_MAX): no minus, something converted, in range.
    let k = i;
    while (isSpace(arg[k])) k++;
    const r = arg[k] === "-" ? null : cStrtoul(arg.slice(i), 0);
    if (!r || r.end === 0 || r.overflow || r.value > BigInt(U32_MAX)) return `u32: at char ${pos}: not a number or out of range`;
    i += r.end;
    return Number(r.value);
  };
  for (;;) {
    while (isSpace(arg[i])) i++;
    if (i >= arg.length) {
      if (state === 0) return "u32: abrupt end of input after location specifier";
      if (vals.length === 0) return "u32: test ended with no value specified";
      tests.push({ location: loc, values: vals });
      if (tests.length > U32_MAXSIZE) return `u32: at char ${i}: too many "&&"s`;
      return tests;
    }
    if (state === 0) {
      if (arg[i] === "=") {
        if (loc.length === 0) return `u32: at char ${i}: location spec missing`;
        i++;
        state = 1;
        continue;
      }
      let op: U32Op | undefined;
      if (loc.length !== 0) {
        const c = arg[i];
        if (c === "&") op = "&";
        else if (c === "<") {
          if (arg[++i] !== "<") return `u32: at char ${i}: a second '<' was expected`;
          op = "<<";
        } else if (c === ">") {
          if (arg[++i] !== ">") return `u32: at char ${i}: a second '>' was expected`;
          op = ">>";
        } else if (c === "@") op = "@";
        else return `u32: at char ${i}: operator expected`;
        i++;
      }
      const n = num(i);
      if (typeof n === "string") return n;
      loc.push(op ? { op, number: n } : { number: n });
      if (loc.length > U32_MAXSIZE) return `u32: at char ${i}: too many operators`;
    } else if (arg[i] === "&") {
      if (arg[++i] !== "&") return `u32: at char ${i}: a second '&' was expected`;
      if (vals.length === 0) return `u32: at char ${i}: value spec missing`;
      tests.push({ location: loc, values: vals });
      if (tests.length > U32_MAXSIZE) return `u32: at char ${i}: too many "&&"s`;
      i++;
      state = 0;
      loc = [];
      vals = [];
    } else {
      if (vals.length > 0) {
        if (arg[i] !== ",") return `u32: at char ${i}: expected "," or "&&"`;
        i++;
      }
      const min = num(i);
      if (typeof min === "string") return min;
      while (isSpace(arg[i])) i++;
      let max = min;
      if (arg[i] === ":") {
        i++;
        const m = num(i);
        if (typeof m === "string") return m;
        max = m;
      }
      vals.push({ min, max });
      if (vals.length > U32_MAXSIZE) return `u32: at char ${i}: too many ","s`;
    }
  }
}

const h = (n: number) => "0x" + n.toString(16);

/** u32_dump: the tests as iptables-save prints them (without the quotes). */
export function formatU32(tests: readonly U32Test[]): string {
  return tests
    .map(
      (t) =>
        t.location.map((l) => (l.op ?? "") + h(l.number)).join("") +
        "=" +
        t.values.map((v) => (v.min === v.max ? h(v.min) : `${h(v.min)}:${h(v.max)}`)).join(","),
    )
    .join("&&");
}

export const u32 = defineMatch<U32Match>({
  name: "u32",
  options: [{ name: "u32", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "u32");
    if (!mandatory(o, ctx, "u32", "u32", loc)) return null;
    const occ = o.get("u32")!;
    const r = parseU32(occ.values[0]!);
    if (typeof r === "string") {
      ctx.error("bad-value", r, valueLoc(occ));
      return null;
    }
    return { kind: "match", module: "u32", loc, negated: occ.negated, tests: r };
  },
  print(m) {
    return `${neg(m.negated)}--u32 "${formatU32(m.tests)}"`;
  },
  evaluate(m) {
    const t = formatU32(m.tests);
    return unknown(`u32:${t}`, `the packet's bytes satisfy the u32 tests ${t}`, m.negated);
  },
});
