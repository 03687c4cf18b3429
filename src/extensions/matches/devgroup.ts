/**
 * `-m devgroup` (iptables-extensions(8), "devgroup"): `[!] --src-group name|value[/mask]`,
 * `[!] --dst-group name|value[/mask]`: the device group of the input / output interface.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - order `--src-group`, `--dst-group`; values print in hex (`1` → `0x1`, `010` → `0x8`) with the mask
 *   only when it is not 0xffffffff (`0x10/0xff`, `1/0` → `0x1/0x0`);
 * - a value with the full mask that has a name in /etc/iproute2/group prints the name: `0` → `default`
 *   (the only name iproute2 ships; other names depend on the host's file and are not known here);
 * - numbers are strtoul base 0; `name/mask` is refused; messages as libxtables'
 *   xtables_parse_val_mask words them (`could not map name foo to an integer value …`,
 *   `trailing garbage after value …`, `bad integer value … or out of range.`);
 * - the kernel refuses `--src-group` outside PREROUTING/INPUT/FORWARD and `--dst-group` outside
 *   FORWARD/OUTPUT/POSTROUTING.
 *
 * Evaluation: interface groups are not in the packet model: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type MatchEval, type OptionOccurrence } from "../types.js";
import { neg, words } from "../util.js";
import { allOf, checkHooks, collect, U32_MAX, unknown, valueLoc, xtStrtoul } from "./common.js";

export interface DevgroupCond {
  readonly negated: boolean;
  readonly value: number;
  readonly mask: number;
}

export interface DevgroupMatch extends MatchBase {
  readonly module: "devgroup";
  readonly src?: DevgroupCond;
  readonly dst?: DevgroupCond;
}

/** /etc/iproute2/group as iproute2 ships it. */
const GROUP_NAMES: Readonly<Record<string, number>> = { default: 0 };

/** libxtables xtables_parse_val_mask with a name map. */
function parseValMask(o: OptionOccurrence, ctx: DecodeContext): DevgroupCond | undefined {
  const text = o.values[0]!;
  const name = o.spec.name;
  const fail = (msg: string) => {
    ctx.error("bad-value", `devgroup: ${msg}`, valueLoc(o));
    return undefined;
  };
  const byName = () =>
    Object.hasOwn(GROUP_NAMES, text)
      ? { negated: o.negated, value: GROUP_NAMES[text]!, mask: U32_MAX }
      : fail(`could not map name ${text} to an integer value for option "--${name}".`);
  const v = xtStrtoul(text, 0n, BigInt(U32_MAX), false);
  if (!v) return byName();
  if (v.end === text.length) return { negated: o.negated, value: Number(v.value), mask: U32_MAX };
  if (text[v.end] !== "/") return byName();
  const rest = text.slice(v.end + 1);
  const m = xtStrtoul(rest, 0n, BigInt(U32_MAX), false);
  if (!m) return fail(`bad integer value for option "--${name}", or out of range.`);
  if (m.end !== rest.length) return fail(`trailing garbage after value for option "--${name}".`);
  return { negated: o.negated, value: Number(v.value), mask: Number(m.value) };
}

function formatCond(c: DevgroupCond): string {
  if (c.mask === U32_MAX) {
    const n = Object.entries(GROUP_NAMES).find(([, v]) => v === c.value);
    if (n) return n[0];
    return "0x" + c.value.toString(16);
  }
  return `0x${c.value.toString(16)}/0x${c.mask.toString(16)}`;
}

export const devgroup = defineMatch<DevgroupMatch>({
  name: "devgroup",
  options: [
    { name: "src-group", args: 1, negatable: true },
    { name: "dst-group", args: 1, negatable: true },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "devgroup");
    const s = o.get("src-group");
    const d = o.get("dst-group");
    if (!s && !d) {
      ctx.error("missing-option", "devgroup match: You must specify either '--src-group' or '--dst-group'", loc);
      return null;
    }
    if (s) checkHooks(ctx, "devgroup", ["PREROUTING", "INPUT", "FORWARD"], s.loc, "-m devgroup --src-group");
    if (d) checkHooks(ctx, "devgroup", ["FORWARD", "OUTPUT", "POSTROUTING"], d.loc, "-m devgroup --dst-group");
    const node: { -readonly [K in keyof DevgroupMatch]: DevgroupMatch[K] } = { kind: "match", module: "devgroup", loc };
    if (s) node.src = parseValMask(s, ctx);
    if (d) node.dst = parseValMask(d, ctx);
    return node;
  },
  print(m) {
    return words(
      m.src && `${neg(m.src.negated)}--src-group ${formatCond(m.src)}`,
      m.dst && `${neg(m.dst.negated)}--dst-group ${formatCond(m.dst)}`,
    );
  },
  evaluate(m, pkt) {
    const parts: MatchEval[] = [];
    const one = (c: DevgroupCond | undefined, iface: string | undefined, side: "src" | "dst") => {
      if (!c) return;
      const dev = iface ?? (side === "src" ? "input interface" : "output interface");
      parts.push(unknown(`devgroup:${side} ${iface ?? "?"} ${formatCond(c)}`, `the device group of ${dev} is ${formatCond(c)}`, c.negated));
    };
    one(m.src, pkt.inIface, "src");
    one(m.dst, pkt.outIface, "dst");
    return allOf(parts);
  },
});
