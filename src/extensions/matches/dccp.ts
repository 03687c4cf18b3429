/**
 * `-m dccp` (iptables-extensions(8), "dccp"): `[!] --sport|--source-port port[:port]`,
 * `[!] --dport|--destination-port port[:port]`, `[!] --dccp-types TYPE[,TYPE…]`, `[!] --dccp-option N`.
 * Loaded implicitly by `-p dccp --dport …`; the kernel refuses it unless the rule has `-p dccp`.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - order `--sport`, `--dport`, `--dccp-types`, `--dccp-option`, `! ` before each negated one;
 * - a given port option is always printed (`--dport 0:65535`, `:` → `0:65535`); `3:` → `3:65535`,
 *   `:5` → `0:5`, `80:80` → `80`, an inverted range `90:80` is kept; service names become numbers;
 *   ports are decimal (`010` → 10, `0x10` is refused) and wrap modulo 65536 (`65537` → 1);
 * - types are case-insensitive names, printed upper-case in type order
 *   (`SYNC,REQUEST` → `REQUEST,SYNC`), duplicates and empty items dropped; an empty list prints as
 *   `--dccp-types ` followed by nothing;
 * - `--dccp-option` is 1-255, base 0 (`0x10` → 16).
 *
 * Evaluation: DCCP (protocol 33), first fragments only; ports from the packet; the type and options are
 * not in the packet model (`unknown`).
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineMatch, type DecodeContext, type MatchEval, type OptionOccurrence } from "../types.js";
import { neg, parsePort, words } from "../util.js";
import { allOf, badValue, collect, unknown, valueLoc, xtUint } from "./common.js";
import { requireProtocol } from "./ports.js";
import { and, not, opaque, range, type SymExpr } from "../../space/expr.js";
import { FIRST_FRAGMENT, portSpace } from "./ports.js";

export type DccpType =
  | "REQUEST" | "RESPONSE" | "DATA" | "ACK" | "DATAACK" | "CLOSEREQ" | "CLOSE" | "RESET" | "SYNC" | "SYNCACK" | "INVALID";

/** Type names in type-number order (DCCP_PKT_*; INVALID is 10). */
export const DCCP_TYPES: readonly DccpType[] = [
  "REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID",
];

export interface DccpPortCond {
  readonly negated: boolean;
  readonly lo: number;
  readonly hi: number;
}

export interface DccpMatch extends MatchBase {
  readonly module: "dccp";
  readonly sport?: DccpPortCond;
  readonly dport?: DccpPortCond;
  /** In type order; may be empty. */
  readonly types?: { readonly negated: boolean; readonly types: readonly DccpType[] };
  readonly option?: { readonly negated: boolean; readonly option: number };
}

/** XTTYPE_PORTRC as libxt_dccp reads it: a service name or decimal digits (taken modulo 65536). */
function dccpPort(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(BigInt(text) % 65536n);
  return parsePort(text);
}

function decodePorts(o: OptionOccurrence, ctx: DecodeContext, long: string): DccpPortCond | undefined {
  const parts = o.values[0]!.split(":");
  if (parts.length > 2) {
    ctx.error("bad-value", `dccp: Too many components for option "--${long}" (max: 2)`, valueLoc(o));
    return undefined;
  }
  const v: number[] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    const n = p === "" ? (k === 0 ? 0 : 65535) : dccpPort(p);
    if (n === null) {
      ctx.error("bad-value", `Port "${p}" does not resolve to anything.`, valueLoc(o));
      return undefined;
    }
    v.push(n);
  }
  return { negated: o.negated, lo: v[0]!, hi: v[1] ?? v[0]! };
}

const fmtPorts = (c: DccpPortCond) => (c.lo === c.hi ? String(c.lo) : `${c.lo}:${c.hi}`);

export const dccp = defineMatch<DccpMatch>({
  name: "dccp",
  options: [
    { name: "sport", aliases: ["source-port"], args: 1, negatable: true },
    { name: "dport", aliases: ["destination-port"], args: 1, negatable: true },
    { name: "dccp-types", args: 1, negatable: true },
    { name: "dccp-option", args: 1, negatable: true },
  ],
  decode(opts, ctx, loc) {
    requireProtocol(ctx, "dccp", PROTO.dccp, loc);
    const o = collect(opts, ctx, "dccp", { sport: "source-port", dport: "destination-port" });
    const node: { -readonly [K in keyof DccpMatch]: DccpMatch[K] } = { kind: "match", module: "dccp", loc };
    const s = o.get("sport");
    if (s) node.sport = decodePorts(s, ctx, "source-port");
    const d = o.get("dport");
    if (d) node.dport = decodePorts(d, ctx, "destination-port");
    const t = o.get("dccp-types");
    if (t) {
      const set = new Set<DccpType>();
      let ok = true;
      for (const w of t.values[0]!.split(",")) {
        if (w === "") continue;
        const ty = DCCP_TYPES.find((x) => x === w.toUpperCase());
        if (!ty) {
          ctx.error("bad-value", `Unknown DCCP type \`${w}'`, valueLoc(t));
          ok = false;
          break;
        }
        set.add(ty);
      }
      if (ok) {
        if (set.size === 0) ctx.warn("empty-list", "dccp: --dccp-types with no type matches no packet (iptables-save prints the option with an empty list)", valueLoc(t));
        node.types = { negated: t.negated, types: DCCP_TYPES.filter((x) => set.has(x)) };
      }
    }
    const op = o.get("dccp-option");
    if (op) {
      const n = xtUint(op.values[0]!, 255, 1);
      if (n === null) badValue(ctx, "dccp", op, 1, 255);
      else node.option = { negated: op.negated, option: n };
    }
    return node;
  },
  print(m) {
    return words(
      m.sport && `${neg(m.sport.negated)}--sport ${fmtPorts(m.sport)}`,
      m.dport && `${neg(m.dport.negated)}--dport ${fmtPorts(m.dport)}`,
      m.types && `${neg(m.types.negated)}--dccp-types ${m.types.types.join(",")}`,
      m.option && `${neg(m.option.negated)}--dccp-option ${m.option.option}`,
    );
  },
  evaluate(m, pkt) {
    if (pkt.proto !== PROTO.dccp || pkt.fragment) return false;
    const parts: MatchEval[] = [];
    const port = (c: DccpPortCond | undefined, p: number | undefined, what: string) => {
      if (!c) return;
      if (p === undefined) parts.push(unknown(`dccp:${what} ${fmtPorts(c)}`, `the DCCP ${what} is in ${fmtPorts(c)}`, c.negated));
      else parts.push((p >= c.lo && p <= c.hi) !== c.negated);
    };
    port(m.sport, pkt.sport, "sport");
    port(m.dport, pkt.dport, "dport");
    if (m.types) {
      const list = m.types.types.join(",");
      if (m.types.types.length === 0) parts.push(m.types.negated);
      else parts.push(unknown(`dccp:types ${list}`, `the DCCP packet type is one of ${list}`, m.types.negated));
    }
    if (m.option)
      parts.push(unknown(`dccp:option ${m.option.option}`, `the DCCP packet carries option ${m.option.option}`, m.option.negated));
    return allOf(parts);
  },
  space(m) {
    const terms: SymExpr[] = [range("proto", PROTO.dccp), FIRST_FRAGMENT];
    if (m.sport) terms.push(portSpace("sport", m.sport));
    if (m.dport) terms.push(portSpace("dport", m.dport));
    if (m.types) terms.push(not(opaque("dccp --dccp-types"), m.types.negated));
    if (m.option) terms.push(not(opaque("dccp --dccp-option"), m.option.negated));
    return and(...terms);
  },
});
