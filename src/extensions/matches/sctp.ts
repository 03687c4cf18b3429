/**
 * `-m sctp` (iptables-extensions(8), "sctp"): `--sport`, `--dport` (aliases `--source-port`,
 * `--destination-port`) and `--chunk-types {all|any|only} chunk[:flags][,…]`. Loaded implicitly by
 * `-p sctp --dport …`; the kernel refuses it unless the rule has `-p sctp`.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - order `--sport`, `--dport`, `--chunk-types`, each with `! ` before it when negated;
 * - unlike tcp/udp, a port option is printed even when it covers everything (`--dport 0:65535`);
 *   `80:` prints `80:65535`, `:80` prints `0:80`; an inverted range is refused;
 * - the match type prints lower-case (`ALL INIT` → `all INIT`), chunk names upper-case, in chunk-type
 *   number order (… `SHUTDOWN_COMPLETE,I_DATA,ASCONF_ACK,RE_CONFIG,PAD,FORWARD_TSN,ASCONF,I_FORWARD_TSN`);
 *   `ALL`/`NONE` as the chunk list print as such;
 * - flags print in the chunk's flag order with upper case = set, lower case = clear: `DATA:eB` → `DATA:Be`;
 *   repeated chunks merge (`DATA:B,DATA:e` → `DATA:Be`); flags on I_DATA are accepted but dropped (a
 *   libxt_sctp quirk: they are filed under the table index, not the chunk type).
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch, type OptionOccurrence, type DecodeContext } from "../types.js";
import { byName, formatPortRange, neg, words } from "../util.js";
import { unknown } from "./common.js";
import { decodePortOption, inPortRange, requireProtocol, type PortCond } from "./ports.js";
import { not, opaque } from "../../space/expr.js";
import { transportSpace } from "./ports.js";

export type SctpChunkMatchType = "all" | "any" | "only";

export interface SctpChunkFlags {
  readonly chunk: number;
  /** Flag bits that must be set. */
  readonly flags: number;
  /** Flag bits examined. */
  readonly mask: number;
}

export interface SctpChunkCond {
  readonly negated: boolean;
  readonly matchType: SctpChunkMatchType;
  /** Chunk type numbers, ascending; "ALL" for the full bitmap. Empty means NONE. */
  readonly chunks: readonly number[] | "ALL";
  readonly flags: readonly SctpChunkFlags[];
}

export interface SctpMatch extends MatchBase {
  readonly module: "sctp";
  readonly sport?: PortCond;
  readonly dport?: PortCond;
  readonly chunkTypes?: SctpChunkCond;
}

interface ChunkName {
  readonly name: string;
  readonly type: number;
  /** Flag letters from bit 7 down to bit 0, `-` where none. */
  readonly validFlags: string;
}

const CHUNKS: readonly ChunkName[] = [
  { name: "DATA", type: 0, validFlags: "----IUBE" },
  { name: "INIT", type: 1, validFlags: "--------" },
  { name: "INIT_ACK", type: 2, validFlags: "--------" },
  { name: "SACK", type: 3, validFlags: "--------" },
  { name: "HEARTBEAT", type: 4, validFlags: "--------" },
  { name: "HEARTBEAT_ACK", type: 5, validFlags: "--------" },
  { name: "ABORT", type: 6, validFlags: "-------T" },
  { name: "SHUTDOWN", type: 7, validFlags: "--------" },
  { name: "SHUTDOWN_ACK", type: 8, validFlags: "--------" },
  { name: "ERROR", type: 9, validFlags: "--------" },
  { name: "COOKIE_ECHO", type: 10, validFlags: "--------" },
  { name: "COOKIE_ACK", type: 11, validFlags: "--------" },
  { name: "ECN_ECNE", type: 12, validFlags: "--------" },
  { name: "ECN_CWR", type: 13, validFlags: "--------" },
  { name: "SHUTDOWN_COMPLETE", type: 14, validFlags: "-------T" },
  { name: "I_DATA", type: 64, validFlags: "----IUBE" },
  { name: "RE_CONFIG", type: 130, validFlags: "--------" },
  { name: "PAD", type: 132, validFlags: "--------" },
  { name: "ASCONF", type: 193, validFlags: "--------" },
  { name: "ASCONF_ACK", type: 128, validFlags: "--------" },
  { name: "FORWARD_TSN", type: 192, validFlags: "--------" },
  { name: "I_FORWARD_TSN", type: 194, validFlags: "--------" },
];

/** XT_NUM_SCTP_FLAGS: chunk types that may carry flag conditions. */
const MAX_FLAG_CHUNKS = 4;

function decodeChunks(o: OptionOccurrence, ctx: DecodeContext): SctpChunkCond | undefined {
  const mt = o.values[0]!.toLowerCase();
  if (mt !== "all" && mt !== "any" && mt !== "only") {
    ctx.error("bad-value", `sctp: match type has to be one of "all", "any" or "only", not '${o.values[0]}'`, o.valueLocs[0] ?? o.loc);
    return undefined;
  }
  const list = o.values[1]!;
  const listLoc = o.valueLocs[1] ?? o.loc;
  if (list.toUpperCase() === "ALL") return { negated: o.negated, matchType: mt, chunks: "ALL", flags: [] };
  if (list.toUpperCase() === "NONE") return { negated: o.negated, matchType: mt, chunks: [], flags: [] };
  const chunks = new Set<number>();
  const flags = new Map<number, { flags: number; mask: number }>();
  for (const item of list.split(",")) {
    if (item === "") continue; // strtok skips empty items
    const colon = item.indexOf(":");
    const nameText = colon < 0 ? item : item.slice(0, colon);
    const c = CHUNKS.find((x) => x.name.toLowerCase() === nameText.toLowerCase());
    if (!c) {
      ctx.error("bad-value", `sctp: unknown chunk type '${nameText}'`, listLoc);
      return undefined;
    }
    chunks.add(c.type);
    if (colon < 0) continue;
    for (const ch of item.slice(colon + 1)) {
      const pos = c.validFlags.indexOf(ch.toUpperCase());
      if (pos < 0 || ch === "-") {
        ctx.error("bad-value", `sctp: invalid flag '${ch}' for chunk type ${c.name} (valid: ${c.validFlags.replace(/-/g, "") || "none"})`, listLoc);
        return undefined;
      }
      if (c.name === "I_DATA") {
        ctx.warn("dropped-value", "sctp: flags on I_DATA are accepted but not kept by iptables (libxt_sctp files them under the wrong chunk)", listLoc);
        continue;
      }
      const bit = 1 << (7 - pos);
      const f = flags.get(c.type) ?? { flags: 0, mask: 0 };
      f.mask |= bit;
      if (ch === ch.toUpperCase()) f.flags |= bit;
      flags.set(c.type, f);
    }
  }
  if (flags.size > MAX_FLAG_CHUNKS) {
    ctx.error("bad-value", `sctp: flags on more than ${MAX_FLAG_CHUNKS} chunk types`, listLoc);
    return undefined;
  }
  return {
    negated: o.negated,
    matchType: mt,
    chunks: [...chunks].sort((a, b) => a - b),
    flags: [...flags].map(([chunk, f]) => ({ chunk, ...f })).sort((a, b) => a.chunk - b.chunk),
  };
}

function formatChunks(c: SctpChunkCond): string {
  if (c.chunks === "ALL") return "ALL";
  if (c.chunks.length === 0) return "NONE";
  return c.chunks
    .map((t) => {
      const info = CHUNKS.find((x) => x.type === t)!;
      const f = c.flags.find((x) => x.chunk === t);
      if (!f || f.mask === 0) return info.name;
      let s = ":";
      for (let bit = 7; bit >= 0; bit--) {
        if (!(f.mask & (1 << bit))) continue;
        const letter = info.validFlags[7 - bit]!;
        s += f.flags & (1 << bit) ? letter : letter.toLowerCase();
      }
      return info.name + s;
    })
    .join(",");
}

function printPorts(name: "sport" | "dport", c: PortCond | undefined): string | undefined {
  return c && `${neg(c.negated)}--${name} ${formatPortRange(c.range)}`;
}

export const sctp = defineMatch<SctpMatch>({
  name: "sctp",
  options: [
    { name: "sport", aliases: ["source-port"], args: 1, negatable: true },
    { name: "dport", aliases: ["destination-port"], args: 1, negatable: true },
    { name: "chunk-types", args: 2, negatable: true },
  ],
  decode(opts, ctx, loc, implicit) {
    requireProtocol(ctx, "sctp", PROTO.sctp, loc);
    const o = byName(opts, ctx, "sctp");
    const node: { -readonly [K in keyof SctpMatch]: SctpMatch[K] } = { kind: "match", module: "sctp", loc };
    if (implicit) node.implicit = true;
    const sport = o.get("sport");
    if (sport) node.sport = decodePortOption(sport, ctx, "sctp");
    const dport = o.get("dport");
    if (dport) node.dport = decodePortOption(dport, ctx, "sctp");
    const ct = o.get("chunk-types");
    if (ct) node.chunkTypes = decodeChunks(ct, ctx);
    return node;
  },
  print(m) {
    return words(
      printPorts("sport", m.sport),
      printPorts("dport", m.dport),
      m.chunkTypes && `${neg(m.chunkTypes.negated)}--chunk-types ${m.chunkTypes.matchType} ${formatChunks(m.chunkTypes)}`,
    );
  },
  evaluate(m, pkt) {
    if (pkt.proto !== PROTO.sctp || pkt.fragment) return false;
    if (m.sport && !inPortRange(m.sport, pkt.sport)) return false;
    if (m.dport && !inPortRange(m.dport, pkt.dport)) return false;
    // Deviation: packets carry no SCTP chunk list here, so a chunk condition is left to an assumption.
    if (m.chunkTypes) {
      const c = m.chunkTypes;
      const text = `${c.matchType} ${formatChunks(c)}`;
      return unknown(`sctp:chunk-types ${text}`, `the SCTP packet's chunks satisfy '${text}'`, c.negated);
    }
    return true;
  },
  space(m) {
    return transportSpace(PROTO.sctp, m.sport, m.dport, ...(m.chunkTypes ? [not(opaque("sctp --chunk-types"), m.chunkTypes.negated)] : []));
  },
});
