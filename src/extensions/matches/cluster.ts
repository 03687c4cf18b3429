/**
 * `-m cluster` (iptables-extensions(8), "cluster"): `--cluster-total-nodes N`,
 * `[!] --cluster-local-node N` or `[!] --cluster-local-nodemask MASK`, `--cluster-hash-seed SEED`.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - always `[!] --cluster-local-nodemask 0x%08x --cluster-total-nodes N --cluster-hash-seed 0x%08x`:
 *   `--cluster-local-node 3` → `--cluster-local-nodemask 0x00000004`, seed `10` → `0x0000000a`;
 * - total nodes, local node and node mask are 1-32 (base 0; yes, the mask too); the local node must not
 *   exceed the total and the mask must be below 2^total ("too big"); node and nodemask exclude each
 *   other; total nodes and hash seed are mandatory.
 *
 * Evaluation: the match hashes the connection's source address with the seed, which is not modelled:
 * `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { neg } from "../util.js";
import { badValue, collect, exclusive, mandatory, U32_MAX, unknown, xtUint } from "./common.js";

export interface ClusterMatch extends MatchBase {
  readonly module: "cluster";
  readonly totalNodes: number;
  readonly nodeMask: number;
  readonly negated: boolean;
  readonly hashSeed: number;
}

const hex8 = (n: number) => "0x" + (n >>> 0).toString(16).padStart(8, "0");

export const cluster = defineMatch<ClusterMatch>({
  name: "cluster",
  options: [
    { name: "cluster-total-nodes", args: 1 },
    { name: "cluster-local-node", args: 1, negatable: true },
    { name: "cluster-local-nodemask", args: 1, negatable: true },
    { name: "cluster-hash-seed", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "cluster");
    const num = (k: string, min: number, max: number): number | undefined => {
      const x = o.get(k);
      if (!x) return undefined;
      const n = xtUint(x.values[0]!, max, min);
      if (n === null) badValue(ctx, "cluster", x, min, max);
      return n ?? undefined;
    };
    const total = num("cluster-total-nodes", 1, 32);
    const node = num("cluster-local-node", 1, 32);
    const mask = num("cluster-local-nodemask", 1, 32);
    const seed = num("cluster-hash-seed", 0, U32_MAX);
    exclusive(o, ctx, "cluster", "cluster-local-node", "cluster-local-nodemask");
    const okT = mandatory(o, ctx, "cluster", "cluster-total-nodes", loc);
    const okS = mandatory(o, ctx, "cluster", "cluster-hash-seed", loc);
    const sel = o.get("cluster-local-node") ?? o.get("cluster-local-nodemask");
    if (!sel) ctx.error("missing-option", "cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing", loc);
    if (!okT || !okS || !sel) return null;
    const t = total ?? 1;
    let nodeMask = 1;
    if (o.has("cluster-local-node") && node !== undefined) {
      if (node > t) ctx.error("bad-value", "cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'", sel.loc);
      nodeMask = 2 ** (node - 1);
    } else if (mask !== undefined) {
      if (mask >= 2 ** t) ctx.error("bad-value", "cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'", sel.loc);
      nodeMask = mask;
    }
    return { kind: "match", module: "cluster", loc, totalNodes: t, nodeMask, negated: sel.negated, hashSeed: seed ?? 0 };
  },
  print(m) {
    return `${neg(m.negated)}--cluster-local-nodemask ${hex8(m.nodeMask)} --cluster-total-nodes ${m.totalNodes} --cluster-hash-seed ${hex8(m.hashSeed)}`;
  },
  evaluate(m) {
    return unknown(
      `cluster:${hex8(m.nodeMask)}/${m.totalNodes} seed ${hex8(m.hashSeed)}`,
      `the connection hashes to one of the local nodes ${hex8(m.nodeMask)} of ${m.totalNodes}`,
      m.negated,
    );
  },
});
