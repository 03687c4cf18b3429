/**
 * `-m esp` (iptables-extensions(8), "esp"): `[!] --espspi spi[:spi]`. Loaded implicitly by
 * `-p esp --espspi …`; the kernel refuses it unless the rule has `-p esp` (Invalid argument).
 *
 * Observed with iptables/ip6tables 1.8.9 (nf_tables) iptables-save:
 * - `--espspi 5:5` → `5`, `5:` → `5:4294967295`, `:10` → `0:10`, an inverted range `10:5` is kept,
 *   numbers are strtoul base 0 (`0x10` → 16);
 * - the full range `0:4294967295` is not printed, negated or not (`-m esp ! --espspi 0:` → `-m esp`);
 * - `-m esp` alone is accepted and printed as is.
 *
 * Evaluation: ESP (protocol 50), first fragments only; the SPI is not in the packet model, so a
 * restricting `--espspi` is `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { collect, parseRangeRC, U32_MAX, unknown, valueLoc } from "./common.js";
import { requireProtocol } from "./ports.js";

export interface EspMatch extends MatchBase {
  readonly module: "esp";
  readonly spi?: SpiCond;
}

export const esp = defineMatch<EspMatch>({
  name: "esp",
  options: [{ name: "espspi", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    requireProtocol(ctx, "esp", PROTO.esp, loc);
    const o = collect(opts, ctx, "esp");
    const s = o.get("espspi");
    const node: { -readonly [K in keyof EspMatch]: EspMatch[K] } = { kind: "match", module: "esp", loc };
    if (s) node.spi = decodeSpi(s, ctx, "esp");
    return node;
  },
  print(m) {
    return printSpi("espspi", m.spi);
  },
  evaluate(m, pkt) {
    if (pkt.proto !== PROTO.esp || pkt.fragment) return false;
    const c = m.spi;
    if (!c) return true;
    if (spiIsDefault(c)) return !c.negated;
    if (c.lo > c.hi) return c.negated;
    return unknown(`esp:spi ${formatSpi(c)}`, `the packet's ESP SPI is in ${formatSpi(c)}`, c.negated);
  },
});

// ---- SPI-style ranges, shared with ah, frag (--fragid) and rt (--rt-segsleft): XTTYPE_UINT32RC ----

export interface SpiCond {
  readonly negated: boolean;
  readonly lo: number;
  readonly hi: number;
}

/** `n`, `n:m`, `n:`, `:m`; a single number is `n:n`; an inverted range is kept (it never matches). */
export function decodeSpi(o: OptionOccurrence, ctx: DecodeContext, module: string): SpiCond | undefined {
  const r = parseRangeRC(o.values[0]!, module, o.spec.name, BigInt(U32_MAX));
  if (typeof r === "string") {
    ctx.error("bad-value", r, valueLoc(o));
    return undefined;
  }
  const lo = Number(r.lo);
  const hi = r.hi === undefined ? lo : Number(r.hi);
  if (lo === 0 && hi === U32_MAX && o.negated)
    ctx.warn(
      "negation-dropped",
      `${module}: ! ${o.written} over the whole range never matches in the kernel, but iptables-save prints no ${o.written} at all (a restored dump matches every packet)`,
      o.loc,
    );
  return { negated: o.negated, lo, hi };
}

/** Whether the condition covers the whole range 0:4294967295 (negated or not), which iptables-save omits. */
export function spiIsDefault(c: SpiCond | undefined): boolean {
  return !c || (c.lo === 0 && c.hi === U32_MAX);
}

/** `[! ]--NAME lo[:hi]`, or "" when iptables-save omits it (the full range, negated or not). */
export function printSpi(name: string, c: SpiCond | undefined): string {
  if (!c || spiIsDefault(c)) return "";
  return `${c.negated ? "! " : ""}--${name} ${c.lo === c.hi ? c.lo : `${c.lo}:${c.hi}`}`;
}

export function formatSpi(c: SpiCond): string {
  return c.lo === c.hi ? String(c.lo) : `${c.lo}:${c.hi}`;
}
