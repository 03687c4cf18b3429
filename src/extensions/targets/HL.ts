/**
 * `-j HL` (iptables-extensions(8), "HL", IPv6): `--hl-set N`, `--hl-dec N`, `--hl-inc N` — the hop limit
 * twin of TTL (TTL.ts). Non-terminating.
 *
 * Observed with ip6tables 1.8.9 (nf_tables and legacy agree), Linux 6.18: printed as given, decimal;
 * `--hl-inc 0` → 'HL: bad value for option "--hl-inc", or out of range (1-255).'; placement: mangle
 * table only, any chain.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { decodeTtlLike, type TtlMode } from "./TTL.js";

export interface HlTarget extends TargetBase {
  readonly name: "HL";
  readonly mode: TtlMode;
  readonly value: number;
}

export const HL = defineTarget<HlTarget>({
  name: "HL",
  families: [6],
  tables: ["mangle"],
  options: [
    { name: "hl-set", args: 1 },
    { name: "hl-dec", args: 1 },
    { name: "hl-inc", args: 1 },
  ],
  decode(opts, ctx, loc) {
    return { kind: "target", name: "HL", loc, ...decodeTtlLike(opts, ctx, loc, "HL", "hl") };
  },
  print(t) {
    return `--hl-${t.mode} ${t.value}`;
  },
  evaluate() {
    return { kind: "continue" };
  },
});
