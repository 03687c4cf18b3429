/**
 * `-m tcp` (iptables-extensions(8), "tcp"): ports, `--tcp-flags`, `--syn`, `--tcp-option`.
 * Loaded implicitly by `-p tcp --dport …`; iptables-save always prints `-m tcp`.
 * The kernel refuses it unless the rule has `-p tcp` (xt_tcpudp: "only valid for protocol 6").
 */
import type { MatchBase } from "../../model/ast.js";
import { PROTO, TCP_FLAGS } from "../../net/packet.js";
import { defineMatch, type OptionSpec } from "../types.js";
import { byName, checkNotNegated, neg, parseUint, words } from "../util.js";
import { decodePortOption, inPortRange, printPortOption, requireProtocol, type PortCond } from "./ports.js";
import { FALSE, not, opaque, type SymExpr } from "../../space/expr.js";
import { transportSpace } from "./ports.js";

export interface TcpFlagsCond {
  readonly negated: boolean;
  /** Flags examined. */
  readonly mask: number;
  /** Of those, the ones that must be set. */
  readonly comp: number;
}

export interface TcpMatch extends MatchBase {
  readonly module: "tcp";
  readonly sport?: PortCond;
  readonly dport?: PortCond;
  readonly flags?: TcpFlagsCond;
  readonly option?: { readonly negated: boolean; readonly number: number };
}

const options: readonly OptionSpec[] = [
  { name: "sport", aliases: ["source-port"], args: 1, negatable: true },
  { name: "dport", aliases: ["destination-port"], args: 1, negatable: true },
  { name: "tcp-flags", args: 2, negatable: true },
  { name: "syn", args: 0, negatable: true },
  { name: "tcp-option", args: 1, negatable: true },
];

/** Names in the order libxt_tcp prints them; ALL and NONE are input-only shorthands. */
const FLAG_ORDER = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"] as const;
const SYN_MASK = TCP_FLAGS.FIN | TCP_FLAGS.SYN | TCP_FLAGS.RST | TCP_FLAGS.ACK;

function parseFlags(text: string): number | string {
  let v = 0;
  for (const name of text.split(",")) {
    const up = name.toUpperCase();
    if (up === "ALL") v |= 0x3f;
    else if (up === "NONE") continue;
    else if (up in TCP_FLAGS && (FLAG_ORDER as readonly string[]).includes(up)) v |= TCP_FLAGS[up as keyof typeof TCP_FLAGS];
    else return `unknown TCP flag '${name}' (expected FIN, SYN, RST, PSH, ACK, URG, ALL or NONE)`;
  }
  return v;
}

export function formatTcpFlags(v: number): string {
  const names = FLAG_ORDER.filter((n) => v & TCP_FLAGS[n]);
  return names.length ? names.join(",") : "NONE";
}

export const tcp = defineMatch<TcpMatch>({
  name: "tcp",
  options,
  decode(opts, ctx, loc, implicit) {
    requireProtocol(ctx, "tcp", PROTO.tcp, loc);
    const o = byName(opts, ctx, "tcp");
    const node: { -readonly [K in keyof TcpMatch]: TcpMatch[K] } = { kind: "match", module: "tcp", loc };
    if (implicit) node.implicit = true;
    const sport = o.get("sport");
    const sp = sport && decodePortOption(sport, ctx, "tcp");
    if (sp) node.sport = sp;
    const dport = o.get("dport");
    const dp = dport && decodePortOption(dport, ctx, "tcp");
    if (dp) node.dport = dp;
    const syn = o.get("syn");
    const flags = o.get("tcp-flags");
    if (syn && flags) ctx.error("conflicting-options", "tcp: --syn and --tcp-flags cannot be combined", syn.loc);
    if (syn) node.flags = { negated: syn.negated, mask: SYN_MASK, comp: TCP_FLAGS.SYN };
    else if (flags) {
      const mask = parseFlags(flags.values[0]!);
      const comp = parseFlags(flags.values[1]!);
      if (typeof mask === "string") ctx.error("bad-value", `tcp: ${mask}`, flags.valueLocs[0]!);
      else if (typeof comp === "string") ctx.error("bad-value", `tcp: ${comp}`, flags.valueLocs[1]!);
      else node.flags = { negated: flags.negated, mask, comp };
    }
    const opt = o.get("tcp-option");
    if (opt) {
      checkNotNegated(opt, ctx, "tcp");
      const n = parseUint(opt.values[0]!, 255);
      if (n === null || n === 0) ctx.error("bad-value", `tcp: '${opt.values[0]}' is not a TCP option number (1-255)`, opt.valueLocs[0]!);
      else node.option = { negated: opt.negated, number: n };
    }
    return node;
  },
  print(m) {
    return words(
      printPortOption("sport", m.sport),
      printPortOption("dport", m.dport),
      m.option && `${neg(m.option.negated)}--tcp-option ${m.option.number}`,
      m.flags &&
        (m.flags.mask !== 0 || m.flags.negated) &&
        `${neg(m.flags.negated)}--tcp-flags ${formatTcpFlags(m.flags.mask)} ${formatTcpFlags(m.flags.comp)}`,
    );
  },
  evaluate(m, pkt) {
    // Non-first fragments carry no TCP header: the kernel's tcp match never matches them.
    if (pkt.proto !== PROTO.tcp || pkt.fragment) return false;
    if (m.sport && !inPortRange(m.sport, pkt.sport)) return false;
    if (m.dport && !inPortRange(m.dport, pkt.dport)) return false;
    if (m.flags && ((pkt.tcpFlags & m.flags.mask) === m.flags.comp) === m.flags.negated) return false;
    // Deviation: packets carry no TCP options here; `--tcp-option N` matches only when negated.
    if (m.option && !m.option.negated) return false;
    return true;
  },
  space(m) {
    const extra: SymExpr[] = [];
    if (m.flags) {
      // xt_tcpudp: (flags & mask) == comp; comp bits outside the mask never match.
      const f = m.flags;
      extra.push(not((f.comp & ~f.mask) !== 0 ? FALSE : { op: "flags", mask: f.mask, comp: f.comp }, f.negated));
    }
    if (m.option) extra.push(not(opaque("tcp --tcp-option"), m.option.negated));
    return transportSpace(PROTO.tcp, m.sport, m.dport, ...extra);
  },
});
