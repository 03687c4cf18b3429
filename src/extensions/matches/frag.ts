/**
 * `-m frag` (iptables-extensions(8), "frag"; IPv6 only): `[!] --fragid id[:id]`, `[!] --fraglen length`,
 * `--fragres`, `--fragfirst`, `--fragmore`, `--fraglast`, tests on the Fragment extension header.
 *
 * Observed with ip6tables 1.8.9 (nf_tables) ip6tables-save:
 * - order `--fragid`, `--fraglen`, `--fragres`, `--fragfirst`, `--fragmore`, `--fraglast`;
 * - `--fragid` prints like an SPI range (`:5` → `0:5`, `5:` → `5:4294967295`, inverted ranges kept,
 *   base 0); the full range is not printed, even negated;
 * - `--fraglen` is one number (base 0) and is printed whenever given, `--fraglen 0` included;
 * - `--fragmore` with `--fraglast` is refused; `--fragfirst` combines with either.
 *
 * Evaluation: the header's fields are not in the packet model. A later fragment (`fragment`) carries
 * a fragment header with a non-zero offset, so `--fragfirst` fails on it; everything else is `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type MatchEval } from "../types.js";
import { words } from "../util.js";
import { allOf, badValue, collect, exclusive, U32_MAX, unknown, xtUint } from "./common.js";
import { decodeSpi, formatSpi, printSpi, spiIsDefault, type SpiCond } from "./esp.js";

export interface FragMatch extends MatchBase {
  readonly module: "frag";
  readonly id?: SpiCond;
  readonly len?: { readonly negated: boolean; readonly value: number };
  readonly res: boolean;
  readonly first: boolean;
  readonly more: boolean;
  readonly last: boolean;
}

export const frag = defineMatch<FragMatch>({
  name: "frag",
  families: [6],
  options: [
    { name: "fragid", args: 1, negatable: true },
    { name: "fraglen", args: 1, negatable: true },
    { name: "fragres", args: 0 },
    { name: "fragfirst", args: 0 },
    { name: "fragmore", args: 0 },
    { name: "fraglast", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "frag");
    exclusive(o, ctx, "frag", "fragmore", "fraglast");
    const node: { -readonly [K in keyof FragMatch]: FragMatch[K] } = {
      kind: "match", module: "frag", loc,
      res: o.has("fragres"), first: o.has("fragfirst"), more: o.has("fragmore"), last: o.has("fraglast"),
    };
    const id = o.get("fragid");
    if (id) node.id = decodeSpi(id, ctx, "frag");
    const l = o.get("fraglen");
    if (l) {
      const n = xtUint(l.values[0]!, U32_MAX);
      if (n === null) badValue(ctx, "frag", l, 0, U32_MAX);
      else node.len = { negated: l.negated, value: n };
    }
    return node;
  },
  print(m) {
    return words(
      printSpi("fragid", m.id),
      m.len && `${m.len.negated ? "! " : ""}--fraglen ${m.len.value}`,
      m.res && "--fragres",
      m.first && "--fragfirst",
      m.more && "--fragmore",
      m.last && "--fraglast",
    );
  },
  evaluate(m, pkt) {
    if (pkt.family !== 6) return false;
    if (pkt.fragment && m.first) return false;
    const parts: MatchEval[] = [];
    if (!pkt.fragment) parts.push(unknown("frag:present", "the packet carries an IPv6 Fragment header"));
    if (m.id && !spiIsDefault(m.id)) parts.push(unknown(`frag:id ${formatSpi(m.id)}`, `the fragment id is in ${formatSpi(m.id)}`, m.id.negated));
    else if (m.id?.negated) return false;
    if (m.len) parts.push(unknown(`frag:len ${m.len.value}`, `the Fragment header length field is ${m.len.value}`, m.len.negated));
    if (m.res) parts.push(unknown("frag:res", "the Fragment header's reserved fields are zero"));
    if (m.first && !pkt.fragment) parts.push(unknown("frag:first", "the packet is the first fragment"));
    if (m.more) parts.push(unknown("frag:more", "more fragments follow"));
    if (m.last) parts.push(unknown("frag:last", "the packet is the last fragment"));
    return allOf(parts);
  },
});
