/**
 * `-j SET` (iptables-extensions(8), "SET"): `--add-set name flags`, `--del-set name flags`, `--map-set
 * name flags` with `--map-mark`/`--map-prio`/`--map-queue`, `--timeout N`, `--exist`. Adds the packet's
 * addresses/ports to (or removes them from) an ipset; non-terminating.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree, revision 3), Linux 6.18:
 * - printed as `[--add-set S F] [--del-set S F] [--map-set S F] [--exist] [--timeout N] [--map-mark]
 *   [--map-prio] [--map-queue]` whatever the input order; `--timeout 0` is printed;
 * - flags are a comma list of `src`/`dst`, at most 6 ("Can't be more src/dst options than 6."); anything
 *   else: "You must spefify (the comma separated list of) 'src' or 'dst'."; one of add/del/map is
 *   required ("You must specify either `--add-set' or `--del-set' or `--map-set'"); `--map-set` needs a
 *   `--map-*` flag; the set must exist when the rule is loaded ("Set nosuch doesn't exist.");
 * - placement: `--map-set` only in the mangle table ("--map-set only usable from mangle table" in the
 *   kernel log), `--map-prio`/`--map-queue` only from FORWARD, OUTPUT and POSTROUTING; otherwise any
 *   table and chain.
 * Deviation: the `--map-*` restrictions depend on options, so they are checked here for built-in chains
 * only (not through jumps); set existence is not checked (the dump has no ipsets). Evaluation does not
 * model the set contents: it continues with the packet unchanged (a `--map-mark` rewrite is not applied).
 */
import type { TargetBase } from "../../model/ast.js";
import type { DecodeContext, OptionOccurrence } from "../types.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { parseU32 } from "./mark-ops.js";

export interface SetRef {
  readonly name: string;
  /** `src`/`dst` per dimension. */
  readonly flags: readonly ("src" | "dst")[];
}

export interface SetTarget extends TargetBase {
  readonly name: "SET";
  readonly addSet?: SetRef;
  readonly delSet?: SetRef;
  readonly mapSet?: SetRef;
  readonly exist: boolean;
  readonly timeout?: number;
  readonly mapMark: boolean;
  readonly mapPrio: boolean;
  readonly mapQueue: boolean;
}

function setRef(o: OptionOccurrence | undefined, ctx: DecodeContext): SetRef | undefined {
  if (!o) return undefined;
  const name = o.values[0] ?? "";
  const ftext = o.values[1] ?? "";
  const floc = o.valueLocs[1] ?? o.loc;
  if (name.length > 31) ctx.error("bad-value", `SET: set name '${name}' is longer than 31 characters`, o.valueLocs[0] ?? o.loc);
  const parts = ftext.split(",");
  if (parts.some((p) => p !== "src" && p !== "dst")) {
    ctx.error("bad-value", `SET: ${o.written} flags '${ftext}': You must specify (the comma separated list of) 'src' or 'dst'`, floc);
    return { name, flags: [] };
  }
  if (parts.length > 6) ctx.error("bad-value", "SET: Can't be more src/dst options than 6.", floc);
  return { name, flags: parts as ("src" | "dst")[] };
}

const fmt = (r: SetRef): string => `${r.name} ${r.flags.join(",")}`;

export const SET = defineTarget<SetTarget>({
  name: "SET",
  options: [
    { name: "add-set", args: 2 },
    { name: "del-set", args: 2 },
    { name: "map-set", args: 2 },
    { name: "exist", args: 0 },
    { name: "timeout", args: 1 },
    { name: "map-mark", args: 0 },
    { name: "map-prio", args: 0 },
    { name: "map-queue", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "SET");
    const addSet = setRef(o.get("add-set"), ctx);
    const delSet = setRef(o.get("del-set"), ctx);
    const mapSet = setRef(o.get("map-set"), ctx);
    if (!addSet && !delSet && !mapSet) ctx.error("missing-option", "SET: You must specify either `--add-set' or `--del-set' or `--map-set'", loc);
    let timeout: number | undefined;
    const t = o.get("timeout");
    if (t) {
      const v = parseU32(t.values[0] ?? "");
      if (v === null) ctx.error("bad-value", `SET: bad value for option "${t.written}", or out of range (0-4294967295)`, t.valueLocs[0] ?? t.loc);
      else timeout = v;
    }
    const mapMark = o.has("map-mark");
    const mapPrio = o.has("map-prio");
    const mapQueue = o.has("map-queue");
    const ms = o.get("map-set");
    if (ms) {
      if (!mapMark && !mapPrio && !mapQueue) ctx.error("missing-option", "SET: You must specify flags `--map-mark' or '--map-prio` or `--map-queue'", ms.loc);
      if (ctx.table !== "mangle") ctx.error("invalid-target-placement", `SET: --map-set is only valid in the mangle table, not ${ctx.table} (the kernel refuses the rule)`, ms.loc);
      else if ((mapPrio || mapQueue) && ["PREROUTING", "INPUT"].includes(ctx.chain))
        ctx.error("invalid-target-placement", `SET: --map-prio/--map-queue are only valid from FORWARD/OUTPUT/POSTROUTING, not ${ctx.chain} (the kernel refuses the rule)`, ms.loc);
    }
    return {
      kind: "target",
      name: "SET",
      loc,
      ...(addSet ? { addSet } : {}),
      ...(delSet ? { delSet } : {}),
      ...(mapSet ? { mapSet } : {}),
      exist: o.has("exist"),
      ...(timeout !== undefined ? { timeout } : {}),
      mapMark,
      mapPrio,
      mapQueue,
    };
  },
  print(t) {
    return words(
      t.addSet && `--add-set ${fmt(t.addSet)}`,
      t.delSet && `--del-set ${fmt(t.delSet)}`,
      t.mapSet && `--map-set ${fmt(t.mapSet)}`,
      t.exist && "--exist",
      t.timeout !== undefined && `--timeout ${t.timeout}`,
      t.mapMark && "--map-mark",
      t.mapPrio && "--map-prio",
      t.mapQueue && "--map-queue",
    );
  },
  evaluate() {
    return { kind: "continue" };
  },
});
