/**
 * `-m dst` (iptables-extensions(8), "dst"; IPv6 only): `[!] --dst-len length`,
 * `--dst-opts TYPE[:LEN][,TYPE[:LEN]…]`, tests on the Destination Options extension header.
 * Parsing and printing are those of `-m hbh` (see ./hbh.ts, observed with ip6tables 1.8.9, nf_tables),
 * with `dst:` in the messages and "PAD0 hasn't got length".
 *
 * Evaluation: the packet model does not record extension headers: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { words } from "../util.js";
import { badValue, collect, U32_MAX, unknown, xtUint } from "./common.js";
import { decodeOpts, formatOpts, type Ipv6Opt } from "./hbh.js";

export interface DstMatch extends MatchBase {
  readonly module: "dst";
  readonly len?: { readonly negated: boolean; readonly value: number };
  readonly opts?: readonly Ipv6Opt[];
}

export const dst = defineMatch<DstMatch>({
  name: "dst",
  families: [6],
  options: [
    { name: "dst-len", args: 1, negatable: true },
    { name: "dst-opts", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "dst");
    const node: { -readonly [K in keyof DstMatch]: DstMatch[K] } = { kind: "match", module: "dst", loc };
    const l = o.get("dst-len");
    if (l) {
      const n = xtUint(l.values[0]!, U32_MAX);
      if (n === null) badValue(ctx, "dst", l, 0, U32_MAX);
      else node.len = { negated: l.negated, value: n };
    }
    const x = o.get("dst-opts");
    if (x) node.opts = decodeOpts(x, ctx, "dst") ?? undefined;
    return node;
  },
  print(m) {
    return words(m.len && `${m.len.negated ? "! " : ""}--dst-len ${m.len.value}`, m.opts && `--dst-opts ${formatOpts(m.opts)}`);
  },
  evaluate(m, pkt) {
    if (pkt.family !== 6) return false;
    const cond = [m.len && `${m.len.negated ? "not " : ""}length ${m.len.value}`, m.opts && `options ${formatOpts(m.opts)}`].filter(Boolean).join(", ");
    return unknown(
      `dst:${cond || "present"}`,
      `the packet carries an IPv6 Destination Options header${cond ? ` with ${cond}` : ""}`,
    );
  },
});
