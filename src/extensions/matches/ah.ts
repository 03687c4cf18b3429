/**
 * `-m ah` (iptables-extensions(8), "ah"): IPv4 `[!] --ahspi spi[:spi]` (libipt_ah; the kernel refuses it
 * unless the rule has `-p ah`); IPv6 `[!] --ahspi spi[:spi]`, `[!] --ahlen length`, `--ahres` (libip6t_ah;
 * it finds the AH extension header itself, no `-p` needed).
 *
 * Observed with iptables/ip6tables 1.8.9 (nf_tables):
 * - `--ahspi` prints like `--espspi`: `5:5` → `5`, `3:` → `3:4294967295`, inverted ranges kept, strtoul
 *   base 0 (`0x10:010` → `16:8`), the full range is not printed even when negated;
 * - IPv6: order `--ahspi`, `--ahlen`, `--ahres`; `--ahlen 0` is not printed but `! --ahlen 0` is;
 *   `--ahlen` is one number (0-4294967295, base 0);
 * - IPv4 refuses `--ahlen`/`--ahres` (`unknown option "--ahlen"`).
 *
 * Evaluation: the SPI, length and reserved field are not in the packet model: a restricting option is
 * `unknown`. On IPv4 the packet must be protocol 51 and not a later fragment; on IPv6 the AH header's
 * presence is unknown unless the packet's protocol is 51.
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch, type MatchEval } from "../types.js";
import { words } from "../util.js";
import { allOf, badValue, collect, U32_MAX, unknown, xtUint } from "./common.js";
import { requireProtocol } from "./ports.js";
import { decodeSpi, formatSpi, printSpi, spiIsDefault, type SpiCond } from "./esp.js";

export interface AhMatch extends MatchBase {
  readonly module: "ah";
  readonly spi?: SpiCond;
  /** IPv6 only; 0 = not checked (the kernel ignores a zero length, even negated). */
  readonly len?: { readonly negated: boolean; readonly value: number };
  /** IPv6 only: the reserved field must be zero. */
  readonly res: boolean;
}

export const ah = defineMatch<AhMatch>({
  name: "ah",
  options: [
    { name: "ahspi", args: 1, negatable: true },
    { name: "ahlen", args: 1, negatable: true },
    { name: "ahres", args: 0 },
  ],
  decode(opts, ctx, loc) {
    if (ctx.family === 4) requireProtocol(ctx, "ah", PROTO.ah, loc);
    const o = collect(opts, ctx, "ah");
    const node: { -readonly [K in keyof AhMatch]: AhMatch[K] } = { kind: "match", module: "ah", loc, res: false };
    const s = o.get("ahspi");
    if (s) node.spi = decodeSpi(s, ctx, "ah");
    for (const k of ["ahlen", "ahres"] as const) {
      const x = o.get(k);
      if (x && ctx.family === 4) ctx.error("unknown-option", `unknown option "--${k}" (IPv4 -m ah has only --ahspi)`, x.loc);
    }
    const l = o.get("ahlen");
    if (l && ctx.family === 6) {
      const n = xtUint(l.values[0]!, U32_MAX);
      if (n === null) badValue(ctx, "ah", l, 0, U32_MAX);
      else node.len = { negated: l.negated, value: n };
    }
    node.res = ctx.family === 6 && o.has("ahres");
    return node;
  },
  print(m) {
    return words(
      printSpi("ahspi", m.spi),
      m.len && (m.len.value !== 0 || m.len.negated) && `${m.len.negated ? "! " : ""}--ahlen ${m.len.value}`,
      m.res && "--ahres",
    );
  },
  evaluate(m, pkt) {
    const parts: MatchEval[] = [];
    if (pkt.family === 4) {
      if (pkt.proto !== PROTO.ah || pkt.fragment) return false;
    } else if (pkt.proto !== PROTO.ah) {
      parts.push(unknown("ah:present", "the packet carries an IPv6 AH extension header"));
    }
    const c = m.spi;
    if (c && !spiIsDefault(c)) {
      if (c.lo > c.hi) parts.push(c.negated);
      else parts.push(unknown(`ah:spi ${formatSpi(c)}`, `the packet's AH SPI is in ${formatSpi(c)}`, c.negated));
    } else if (c && c.negated) return false;
    if (m.len && m.len.value !== 0)
      parts.push(unknown(`ah:len ${m.len.value}`, `the AH header length field is ${m.len.value}`, m.len.negated));
    if (m.res) parts.push(unknown("ah:res", "the AH reserved field is zero"));
    return allOf(parts);
  },
});
