/**
 * `-m set [!] --match-set NAME src|dst[,src|dst]…` (iptables-extensions(8), "set"), revision 4, with
 * `--return-nomatch`, `! --update-counters`, `! --update-subcounters`,
 * `[!] --packets-eq N`, `--packets-lt N`, `--packets-gt N` and the same for bytes. The old `--set` is an
 * alias of `--match-set`.
 *
 * Observed with iptables 1.8.9 iptables-save (sets created with ipset 7.17; restore refuses a set
 * that does not exist: "Set NOPE doesn't exist."):
 * - order `[!] --match-set NAME FLAGS`, `--return-nomatch`, `! --update-counters`,
 *   `! --update-subcounters`, packets condition, bytes condition;
 * - `--set` prints as `--match-set`; the name prints raw; flags are lower-case only (`SRC` refused);
 * - `--update-counters` without `!` is the default and is not printed;
 * - `--packets-eq 0` is printed; `!` is allowed only on the `-eq` forms;
 * - `--match-set` twice in one match is refused (two `-m set` are fine).
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { byName, neg, words } from "../util.js";
import { unknown } from "./common.js";

export interface SetCounterCond {
  readonly op: "eq" | "ne" | "lt" | "gt";
  readonly value: bigint;
}

export interface SetMatch extends MatchBase {
  readonly module: "set";
  readonly negated: boolean;
  readonly setName: string;
  /** One entry per set dimension. */
  readonly dirs: readonly ("src" | "dst")[];
  readonly returnNomatch: boolean;
  /** `! --update-counters`. */
  readonly skipCounterUpdate: boolean;
  /** `! --update-subcounters`. */
  readonly skipSubcounterUpdate: boolean;
  readonly packets?: SetCounterCond;
  readonly bytes?: SetCounterCond;
}

/** IPSET_MAXNAMELEN - 1. */
export const MAX_SET_NAME = 31;
/** IPSET_DIM_MAX. */
const MAX_DIMS = 6;

function decodeCounter(kind: "packets" | "bytes", o: ReturnType<typeof byName>, ctx: DecodeContext): SetCounterCond | undefined {
  const given = (["eq", "lt", "gt"] as const).map((op) => [op, o.get(`${kind}-${op}`)] as const).filter((x): x is readonly ["eq" | "lt" | "gt", OptionOccurrence] => !!x[1]);
  if (given.length === 0) return undefined;
  if (given.length > 1) ctx.error("conflicting-options", `set: only one of the --${kind}-[eq|lt|gt] is allowed`, given[1]![1].loc);
  const [op, occ] = given[0]!;
  const text = occ.values[0]!;
  if (!/^\d+$/.test(text) || BigInt(text) > 0xffffffffffffffffn) {
    ctx.error("bad-value", `set: ${occ.written}: '${text}' is not a counter value`, occ.valueLocs[0] ?? occ.loc);
    return undefined;
  }
  return { op: op === "eq" && occ.negated ? "ne" : op, value: BigInt(text) };
}

function formatCounter(kind: string, c: SetCounterCond | undefined): string | undefined {
  if (!c) return undefined;
  return c.op === "ne" ? `! --${kind}-eq ${c.value}` : `--${kind}-${c.op} ${c.value}`;
}

export const set = defineMatch<SetMatch>({
  name: "set",
  options: [
    { name: "match-set", aliases: ["set"], args: 2, negatable: true },
    { name: "return-nomatch", args: 0 },
    { name: "update-counters", args: 0, negatable: true },
    { name: "update-subcounters", args: 0, negatable: true },
    { name: "packets-eq", args: 1, negatable: true },
    { name: "packets-lt", args: 1 },
    { name: "packets-gt", args: 1 },
    { name: "bytes-eq", args: 1, negatable: true },
    { name: "bytes-lt", args: 1 },
    { name: "bytes-gt", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "set");
    const ms = o.get("match-set");
    if (!ms) {
      ctx.error("missing-option", "set: you must specify --match-set with proper arguments", loc);
      return null;
    }
    const setName = ms.values[0]!;
    if (setName.length > MAX_SET_NAME)
      ctx.error("bad-value", `set: setname '${setName}' too long, max ${MAX_SET_NAME} characters`, ms.valueLocs[0] ?? ms.loc);
    const dirText = ms.values[1]!;
    const dirs = dirText.split(",");
    const dloc = ms.valueLocs[1] ?? ms.loc;
    if (dirs.some((d) => d !== "src" && d !== "dst")) {
      ctx.error("bad-value", `set: you must specify (the comma separated list of) 'src' or 'dst', not '${dirText}'`, dloc);
      return null;
    }
    if (dirs.length > MAX_DIMS) ctx.error("bad-value", `set: can't be more src/dst options than ${MAX_DIMS}`, dloc);
    const node: { -readonly [K in keyof SetMatch]: SetMatch[K] } = {
      kind: "match",
      module: "set",
      loc,
      negated: ms.negated,
      setName,
      dirs: dirs as ("src" | "dst")[],
      returnNomatch: o.has("return-nomatch"),
      skipCounterUpdate: o.get("update-counters")?.negated ?? false,
      skipSubcounterUpdate: o.get("update-subcounters")?.negated ?? false,
    };
    const packets = decodeCounter("packets", o, ctx);
    if (packets) node.packets = packets;
    const bytes = decodeCounter("bytes", o, ctx);
    if (bytes) node.bytes = bytes;
    return node;
  },
  print(m) {
    return words(
      `${neg(m.negated)}--match-set ${m.setName} ${m.dirs.join(",")}`,
      m.returnNomatch && "--return-nomatch",
      m.skipCounterUpdate && "! --update-counters",
      m.skipSubcounterUpdate && "! --update-subcounters",
      formatCounter("packets", m.packets),
      formatCounter("bytes", m.bytes),
    );
  },
  evaluate(m) {
    const counters = [formatCounter("packets", m.packets), formatCounter("bytes", m.bytes)].filter(Boolean).join(" ");
    const what = `the packet's ${m.dirs.join(",")} is in ipset ${m.setName}${counters ? ` with counters ${counters}` : ""}`;
    return unknown(`set:${m.setName}`, what, m.negated);
  },
});
