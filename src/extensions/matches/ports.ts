/**
 * Port conditions shared by the tcp, udp, sctp (and dccp/udplite) matches. Not an extension itself.
 */
import type { SourceLoc } from "../../model/ast.js";
import type { DecodeContext, OptionOccurrence } from "../types.js";
import { formatPortRange, neg, parsePortRange, type PortRange } from "../util.js";
import { protoName } from "../../net/packet.js";
import { and, not, oneOf, range, type SymExpr } from "../../space/expr.js";

export interface PortCond {
  readonly negated: boolean;
  readonly range: PortRange;
}

export function decodePortOption(o: OptionOccurrence, ctx: DecodeContext, module: string): PortCond | undefined {
  const r = parsePortRange(o.values[0]!);
  if (typeof r === "string") {
    ctx.error("bad-port", `${module}: ${r}`, o.valueLocs[0] ?? o.loc);
    return undefined;
  }
  // tcp/udp: a full 0:65535 range tests nothing and iptables-save never prints it; keep the AST equal
  // to what printing gives back. Negated, it matches no packet, and the save output loses the `!`.
  if ((module === "tcp" || module === "udp") && r.lo === 0 && r.hi === 65535) {
    if (!o.negated) return undefined;
    ctx.warn("lossy-negation", `${module}: ${o.written} ! 0:65535 matches no packet, but iptables-save prints no port test at all`, o.loc);
  }
  return { negated: o.negated, range: r };
}

/**
 * libxt_tcp/udp print a port option only when it restricts something: a full 0:65535 range is
 * omitted (even when negated, as iptables-save does).
 */
export function printPortOption(name: "sport" | "dport", c: PortCond | undefined): string {
  if (!c || (c.range.lo === 0 && c.range.hi === 65535)) return "";
  return `${neg(c.negated)}--${name} ${formatPortRange(c.range)}`;
}

export function inPortRange(c: PortCond, port: number | undefined): boolean {
  if (port === undefined) return false;
  return (port >= c.range.lo && port <= c.range.hi) !== c.negated;
}

/** The kernel refuses a protocol match unless the rule says `-p <proto>` (not negated). */
export function requireProtocol(ctx: DecodeContext, module: string, proto: number, loc: SourceLoc): void {
  const p = ctx.protocol;
  if (!p || p.negated || p.number !== proto) {
    ctx.error(
      "match-needs-protocol",
      `-m ${module} needs -p ${protoName(proto)} in the same rule (the kernel refuses it otherwise)`,
      loc,
    );
  }
}

// ---- Symbolic forms (src/space) ----------------------------------------------------------------------

/** Only first fragments carry a transport header: port and type matches never take later ones. */
export const FIRST_FRAGMENT: SymExpr = oneOf("frag", ["first"]);

/** A port condition on `sport` or `dport`. */
export function portSpace(field: "sport" | "dport", c: { readonly negated: boolean; readonly lo: number; readonly hi: number }): SymExpr {
  return not(range(field, c.lo, c.hi), c.negated);
}

/**
 * The packets a tcp/udp/sctp/dccp match takes: its protocol, first fragments, its port conditions, and
 * `extra` for the module's own options (`opaque` for what the space cannot say).
 */
export function transportSpace(proto: number, sport: PortCond | undefined, dport: PortCond | undefined, ...extra: SymExpr[]): SymExpr {
  const terms: SymExpr[] = [range("proto", proto), FIRST_FRAGMENT];
  if (sport) terms.push(portSpace("sport", { negated: sport.negated, ...sport.range }));
  if (dport) terms.push(portSpace("dport", { negated: dport.negated, ...dport.range }));
  return and(...terms, ...extra);
}

