/**
 * `-m physdev` (iptables-extensions(8), "physdev"): bridge ports of bridged packets.
 * `[!] --physdev-in NAME`, `[!] --physdev-out NAME` (a trailing `+` is a prefix wildcard),
 * `[!] --physdev-is-in`, `[!] --physdev-is-out`, `[!] --physdev-is-bridged`.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - order `--physdev-is-in`, `--physdev-in`, `--physdev-is-out`, `--physdev-out`,
 *   `--physdev-is-bridged`, each with `! ` before it when negated;
 * - names are printed as stored, without quoting (`"a b"` prints `a b`); at most 15 characters;
 * - at least one option is required ("PHYSDEV: no physdev option specified");
 * - the kernel refuses `--physdev-out`/`--physdev-is-out` in OUTPUT unless `--physdev-is-bridged` is
 *   also given (not negated).
 */
import { isBuiltinChain, type MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { byName, neg, words } from "../util.js";
import { ifaceMatches, MAX_IFNAME } from "./common.js";

export interface PhysdevName {
  readonly negated: boolean;
  /** A trailing `+` is a prefix wildcard. */
  readonly name: string;
}

export interface PhysdevMatch extends MatchBase {
  readonly module: "physdev";
  readonly in?: PhysdevName;
  readonly out?: PhysdevName;
  readonly isIn?: { readonly negated: boolean };
  readonly isOut?: { readonly negated: boolean };
  readonly isBridged?: { readonly negated: boolean };
}

function decodeName(o: OptionOccurrence, ctx: DecodeContext): PhysdevName | undefined {
  const name = o.values[0]!;
  if (name.length > MAX_IFNAME) {
    ctx.error("bad-value", `physdev: interface name '${name}' must be shorter than IFNAMSIZ (${MAX_IFNAME})`, o.valueLocs[0] ?? o.loc);
    return undefined;
  }
  return { negated: o.negated, name };
}

export const physdev = defineMatch<PhysdevMatch>({
  name: "physdev",
  options: [
    { name: "physdev-in", args: 1, negatable: true },
    { name: "physdev-out", args: 1, negatable: true },
    { name: "physdev-is-in", args: 0, negatable: true },
    { name: "physdev-is-out", args: 0, negatable: true },
    { name: "physdev-is-bridged", args: 0, negatable: true },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "physdev");
    const node: { -readonly [K in keyof PhysdevMatch]: PhysdevMatch[K] } = { kind: "match", module: "physdev", loc };
    const pin = o.get("physdev-in");
    const pout = o.get("physdev-out");
    if (pin) node.in = decodeName(pin, ctx);
    if (pout) node.out = decodeName(pout, ctx);
    const isIn = o.get("physdev-is-in");
    const isOut = o.get("physdev-is-out");
    const isBr = o.get("physdev-is-bridged");
    if (isIn) node.isIn = { negated: isIn.negated };
    if (isOut) node.isOut = { negated: isOut.negated };
    if (isBr) node.isBridged = { negated: isBr.negated };
    if (opts.length === 0) ctx.error("missing-option", "physdev: no physdev option specified", loc);
    const outOpt = pout ?? isOut;
    if (outOpt && (!isBr || isBr.negated) && ctx.chain === "OUTPUT" && isBuiltinChain(ctx.table, ctx.chain))
      ctx.error(
        "bad-hook",
        "physdev: --physdev-out and --physdev-is-out are only supported in OUTPUT together with --physdev-is-bridged (the kernel refuses it)",
        outOpt.loc,
      );
    return node;
  },
  print(m) {
    return words(
      m.isIn && `${neg(m.isIn.negated)}--physdev-is-in`,
      m.in && `${neg(m.in.negated)}--physdev-in ${m.in.name}`,
      m.isOut && `${neg(m.isOut.negated)}--physdev-is-out`,
      m.out && `${neg(m.out.negated)}--physdev-out ${m.out.name}`,
      m.isBridged && `${neg(m.isBridged.negated)}--physdev-is-bridged`,
    );
  },
  evaluate(m, pkt) {
    const hasBridgeInfo = pkt.physIn !== undefined || pkt.physOut !== undefined || pkt.bridged === true;
    if (!hasBridgeInfo) {
      // xt_physdev: without bridge information the match holds only if every given option is negated.
      for (const c of [m.in, m.out, m.isIn, m.isOut, m.isBridged]) if (c && !c.negated) return false;
      return true;
    }
    const bridged = pkt.bridged ?? pkt.physOut !== undefined;
    if (m.isBridged && bridged === m.isBridged.negated) return false;
    if (m.isIn && (pkt.physIn !== undefined) === m.isIn.negated) return false;
    if (m.isOut && (pkt.physOut !== undefined) === m.isOut.negated) return false;
    if (m.in && ifaceMatches(m.in.name, pkt.physIn ?? "") === m.in.negated) return false;
    if (m.out && ifaceMatches(m.out.name, pkt.physOut ?? "") === m.out.negated) return false;
    return true;
  },
});
