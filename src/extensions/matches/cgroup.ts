/**
 * `-m cgroup` (iptables-extensions(8), "cgroup"): `[!] --path PATH` (a cgroup v2 path) or
 * `[!] --cgroup CLASSID` (a net_cls class id), for the socket that sent or receives the packet.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - `--path` prints quoted as iptables-save quotes free text (`iptlx` stays bare, `/` → `"/"`,
 *   `/a/b` → `"/a/b"`, an empty path → `""`), the path as written (no normalisation);
 * - `--cgroup` prints decimal (`0x10` → 16), 0-4294967295, base 0;
 * - the kernel refuses a rule with both options or neither, and a `--path` that does not exist in the
 *   host's cgroup v2 hierarchy (Invalid argument) — that last check depends on the host, so it is
 *   not reported here.
 *
 * Evaluation: without a socket (forwarded packets, or none recorded) the kernel match is false whatever
 * the negation; with one, the socket's cgroup is not in the packet model: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg, saveString } from "../util.js";
import { badValue, collect, U32_MAX, unknown, xtUint } from "./common.js";

export interface CgroupMatch extends MatchBase {
  readonly module: "cgroup";
  readonly path?: { readonly negated: boolean; readonly path: string };
  readonly classid?: { readonly negated: boolean; readonly id: number };
}

export const cgroup = defineMatch<CgroupMatch>({
  name: "cgroup",
  options: [
    { name: "path", args: 1, negatable: true },
    { name: "cgroup", args: 1, negatable: true },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "cgroup");
    const p = o.get("path");
    const c = o.get("cgroup");
    if (!p && !c) ctx.error("missing-option", "cgroup: one of --path or --cgroup is required (the kernel refuses the match without one: Invalid argument)", loc);
    if (p && c) ctx.error("conflicting-options", "cgroup: --path and --cgroup cannot be used together (the kernel refuses it: Invalid argument)", (p.loc.offset > c.loc.offset ? p : c).loc);
    const node: { -readonly [K in keyof CgroupMatch]: CgroupMatch[K] } = { kind: "match", module: "cgroup", loc };
    if (p) node.path = { negated: p.negated, path: p.values[0]! };
    if (c) {
      const n = xtUint(c.values[0]!, U32_MAX);
      if (n === null) badValue(ctx, "cgroup", c, 0, U32_MAX);
      else node.classid = { negated: c.negated, id: n };
    }
    return node;
  },
  print(m) {
    if (m.path) return `${neg(m.path.negated)}--path ${saveString(m.path.path)}`;
    if (m.classid) return `${neg(m.classid.negated)}--cgroup ${m.classid.id}`;
    return "";
  },
  evaluate(m, pkt) {
    if (pkt.uid === undefined && pkt.gid === undefined) return false;
    if (m.path) return unknown(`cgroup:path ${m.path.path}`, `the sending socket belongs to cgroup ${m.path.path}`, m.path.negated);
    if (m.classid) return unknown(`cgroup:classid ${m.classid.id}`, `the sending socket's net_cls class id is ${m.classid.id}`, m.classid.negated);
    return false;
  },
});
