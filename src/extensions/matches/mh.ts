/**
 * `-m mh` (iptables-extensions(8), "mh"; IPv6 only): `[!] --mh-type type[:type]`, the Mobility Header
 * type. The kernel refuses it unless the rule has `-p mh` (ip6tables-save prints `-p mobility-header`).
 *
 * Observed with ip6tables 1.8.9 (nf_tables) ip6tables-save:
 * - types print as numbers (`binding-refresh-request` → `0`, `bu:be` → `5:7`), `5:5` → `5`,
 *   `:3` → `0:3`, `3:` → `3:255`; the full range `0:255` is not printed, even negated;
 * - names are case-insensitive prefixes of binding-refresh-request (brr), home-test-init (hoti),
 *   careof-test-init (coti), home-test (hot), careof-test (cot), binding-update (bu),
 *   binding-acknowledgement (ba), binding-error (be): the first prefix match wins unless a later name
 *   is exactly the word (`b` → 0, `H` → 1, an empty word → 0); otherwise a number 0-255, base 0;
 * - `min > max` is refused ("Invalid MH type range (min > max)").
 *
 * `-p mh --mh-type …` loads it implicitly; the parser looks the implicit module up by the protocol's
 * printed name, so `mobility-header` is an alias here (iptables itself has no `-m mobility-header`).
 *
 * Evaluation: protocol 135, first fragments only; the type is not in the packet model (`unknown`).
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch } from "../types.js";
import { collect, unknown, valueLoc, xtUint } from "./common.js";
import { requireProtocol } from "./ports.js";

export interface MhMatch extends MatchBase {
  readonly module: "mh";
  readonly negated: boolean;
  readonly lo: number;
  readonly hi: number;
}

const MH_NAMES: readonly [string, number][] = [
  ["binding-refresh-request", 0], ["brr", 0], ["home-test-init", 1], ["hoti", 1], ["careof-test-init", 2], ["coti", 2],
  ["home-test", 3], ["hot", 3], ["careof-test", 4], ["cot", 4], ["binding-update", 5], ["bu", 5],
  ["binding-acknowledgement", 6], ["ba", 6], ["binding-error", 7], ["be", 7],
];

/** libip6t_mh name_to_type. */
export function mhType(word: string): number | null {
  const w = word.toLowerCase();
  let match: [string, number] | undefined;
  for (const n of MH_NAMES) if (n[0].startsWith(w) && (!match || n[0].length === w.length)) match = n;
  if (match) return match[1];
  return xtUint(word, 255);
}

export const mh = defineMatch<MhMatch>({
  name: "mh",
  aliases: ["mobility-header"],
  families: [6],
  options: [{ name: "mh-type", args: 1, negatable: true }],
  decode(opts, ctx, loc) {
    requireProtocol(ctx, "mh", PROTO.mh, loc);
    const o = collect(opts, ctx, "mh");
    const t = o.get("mh-type");
    const node = { kind: "match" as const, module: "mh" as const, loc, negated: false, lo: 0, hi: 255 };
    if (!t) return node;
    const text = t.values[0]!;
    const colon = text.indexOf(":");
    const words = colon < 0 ? [text] : [text.slice(0, colon), text.slice(colon + 1)];
    const nums: number[] = [];
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      const n = colon >= 0 && w === "" ? (k === 0 ? 0 : 255) : mhType(w);
      if (n === null) {
        ctx.error("bad-value", `Invalid MH type \`${w}'`, valueLoc(t));
        return node;
      }
      nums.push(n);
    }
    const lo = nums[0]!;
    const hi = nums[1] ?? lo;
    if (lo > hi) ctx.error("bad-value", "Invalid MH type range (min > max)", valueLoc(t));
    if (lo === 0 && hi === 255 && t.negated)
      ctx.warn("negation-dropped", "mh: ! --mh-type 0:255 never matches in the kernel, but iptables-save prints no --mh-type at all", t.loc);
    return { ...node, negated: t.negated, lo, hi };
  },
  print(m) {
    if (m.lo === 0 && m.hi === 255) return "";
    return `${m.negated ? "! " : ""}--mh-type ${m.lo === m.hi ? m.lo : `${m.lo}:${m.hi}`}`;
  },
  evaluate(m, pkt) {
    if (pkt.proto !== PROTO.mh || pkt.fragment) return false;
    if (m.lo === 0 && m.hi === 255) return !m.negated;
    const r = m.lo === m.hi ? String(m.lo) : `${m.lo}:${m.hi}`;
    return unknown(`mh:type ${r}`, `the Mobility Header type is in ${r}`, m.negated);
  },
});
