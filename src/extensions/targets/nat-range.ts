/**
 * The `[ipaddr[-ipaddr]][:port[-port[/base]]]` ranges of DNAT/SNAT (IPv6: `[addr[-addr]]:port…`), the
 * `port[-port]` of MASQUERADE/REDIRECT `--to-ports`, and how a NAT target rewrites a packet with them
 * (iptables-extensions(8), "DNAT"/"SNAT"; libxt_NAT). Not an extension itself.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree) on Linux 6.18:
 * - a single address/port prints without `-max`: `1.2.3.4-1.2.3.4` → `1.2.3.4`, `80-80` → `80`;
 * - IPv6 prints brackets only with a port: `[2001:db8::1]` → `2001:db8::1`, `[::1]:80` stays,
 *   `[]:80` → `:80`; addresses in inet_ntop form (`2001:DB8:0:0::A` → `2001:db8::a`);
 * - ports are numbers in any strtoul base (`010` → 8, `0x10` → 16) or, for the first port only, a
 *   service name (`:http` → `:80`); `a:b` is refused ("Invalid port:port syntax - use dash");
 * - a port needs `-p tcp|udp|sctp|dccp|icmp`, negated or not (`! -p tcp` is accepted; udplite and icmpv6
 *   are not, while `-p icmp` is even in ip6tables): "Need TCP, UDP, SCTP or DCCP with port specification";
 * - an inverted address range (`1.2.3.10-1.2.3.4`) is accepted and printed as written; an inverted port
 *   range is refused ("Port range `1000' funky");
 * - `port-port/base` (DNAT revision 2 shift) prints as given for DNAT (`/0x10` → `/16`, base ≥ 1); SNAT and
 *   MASQUERADE accept it but store no base and print `/0`; REDIRECT refuses it ("Shifted portmap ranges
 *   not supported with this kernel").
 */
import { formatAddr, parseAddr, type Family, type IpAddr } from "../../net/addr.js";
import type { Packet } from "../../net/packet.js";
import { PROTO } from "../../net/packet.js";
import type { DecodeContext, OptionOccurrence } from "../types.js";
import { parsePort } from "../util.js";

export interface NatRange {
  readonly minAddr?: IpAddr;
  readonly maxAddr?: IpAddr;
  readonly minPort?: number;
  readonly maxPort?: number;
  /**
   * `/base` after a port range: DNAT maps port p to `minPort + (p - base) % size`. For SNAT/MASQUERADE
   * the flag is kept but the value is always 0 (printed `/0`, as iptables-save does).
   */
  readonly basePort?: number;
}

/** How the `/base` suffix of a port range is treated by the target at hand. */
export type NatBaseMode = "keep" | "zero" | "refuse";

/** Protocols libxt_NAT accepts a port with (by number, ignoring `!`; IPPROTO_ICMP even for IPv6). */
const PORT_PROTOS: readonly number[] = [PROTO.tcp, PROTO.udp, PROTO.sctp, PROTO.dccp, PROTO.icmp];

/** Leading number as strtoul(…, 0) reads it: returns the value and the rest, or null with no digits. */
function strtoul(text: string): { n: number; rest: string } | null {
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return null;
  const d = m[1]!;
  const n = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 && d[0] === "0" ? parseInt(d.slice(1), 8) : Number(d);
  return { n, rest: text.slice(m[0].length) };
}

/** One port as xtables reads it: a number up to 65535 with what follows, or a whole service name. */
function readPort(text: string, min: number): { n: number; rest: string } | null {
  const r = strtoul(text);
  if (r && r.n >= min && r.n <= 65535) return r;
  const s = /^[A-Za-z]/.test(text) ? parsePort(text) : null;
  return s !== null && s >= min ? { n: s, rest: "" } : null;
}

export interface PortSpec {
  readonly lo: number;
  readonly hi: number;
  readonly base?: number;
}

/**
 * Parse `port[-port[/base]]` as libxt_NAT's parse_ports does; returns iptables' own error text on
 * failure.
 */
export function parseNatPorts(text: string, baseMode: NatBaseMode): PortSpec | string {
  const first = readPort(text, 0);
  if (!first) return `Port \`${text}' not valid`;
  const lo = first.n;
  if (first.rest === "") return { lo, hi: lo };
  if (first.rest[0] === ":") return "Invalid port:port syntax - use dash";
  if (first.rest[0] !== "-") return `Garbage after port value: \`${first.rest}'`;
  const maxText = first.rest.slice(1);
  const second = strtoul(maxText);
  if (!second || second.n > 65535) return `Port \`${maxText}' not valid`;
  const hi = second.n;
  if (hi < lo) return `Port range \`${maxText}' funky`;
  if (second.rest === "") return { lo, hi };
  if (second.rest[0] !== "/") return `Garbage after port range: \`${second.rest}'`;
  const baseText = second.rest.slice(1);
  if (baseMode === "refuse") return "Shifted portmap ranges not supported with this kernel";
  if (baseText === "") return "Port `' not valid";
  if (baseMode === "zero") return { lo, hi, base: 0 };
  const base = readPort(baseText, 1);
  if (!base || base.rest !== "") return `Port \`${baseText}' not valid`;
  return { lo, hi, base: base.n };
}

/** Report a port given without a protocol iptables allows ports for; returns whether it is fine. */
export function checkPortProtocol(ctx: DecodeContext, target: string, loc: OptionOccurrence["loc"]): boolean {
  const p = ctx.protocol;
  if (p && PORT_PROTOS.includes(p.number)) return true;
  ctx.error(
    "nat-port-needs-protocol",
    `${target}: a port needs -p tcp, udp, sctp or dccp in the rule (iptables: "Need TCP, UDP, SCTP or DCCP with port specification")`,
    loc,
  );
  return false;
}

function parseAddrRange(
  text: string,
  ctx: DecodeContext,
  target: string,
  loc: OptionOccurrence["loc"],
): { min: IpAddr; max: IpAddr } | undefined {
  const dash = text.indexOf("-");
  const aText = dash < 0 ? text : text.slice(0, dash);
  const bText = dash < 0 ? aText : text.slice(dash + 1);
  const a = parseAddr(aText, ctx.family);
  if (!a) {
    ctx.error("bad-nat-range", `${target}: bad IP address "${aText}"`, loc);
    return undefined;
  }
  const b = parseAddr(bText, ctx.family);
  if (!b) {
    ctx.error("bad-nat-range", `${target}: bad IP address "${bText}"`, loc);
    return undefined;
  }
  if (b.value < a.value)
    ctx.warn(
      "nat-range-inverted",
      `${target}: address range ${text} is inverted; the kernel accepts it but then maps to addresses outside it`,
      loc,
    );
  return { min: a, max: b };
}

/** `--to-source`/`--to-destination` value. `base`: how this target treats `/base` after a port range. */
export function decodeNatRange(o: OptionOccurrence, ctx: DecodeContext, target: string, base: NatBaseMode = "keep"): NatRange | undefined {
  const text = o.values[0] ?? "";
  const loc = o.valueLocs[0] ?? o.loc;
  let addrPart = text;
  let portPart: string | undefined;
  if (ctx.family === 6) {
    if (text.startsWith("[")) {
      const close = text.indexOf("]");
      if (close < 0) {
        ctx.error("bad-nat-range", `${target}: '${text}' has '[' without ']' (iptables: "Invalid address format")`, loc);
        return undefined;
      }
      addrPart = text.slice(1, close);
      const after = text.slice(close + 1);
      if (after.startsWith(":")) portPart = after.slice(1);
      else if (after !== "")
        ctx.warn("nat-range-garbage", `${target}: '${after}' after ']' is ignored by iptables (a port needs ':')`, loc);
    }
  } else {
    // libxt_NAT splits IPv4 at the last colon.
    const colon = text.lastIndexOf(":");
    if (colon >= 0) {
      addrPart = text.slice(0, colon);
      portPart = text.slice(colon + 1);
    }
  }
  const r: { -readonly [K in keyof NatRange]: NatRange[K] } = {};
  if (addrPart !== "" || portPart === undefined) {
    const a = parseAddrRange(addrPart, ctx, target, loc);
    if (!a) return undefined;
    r.minAddr = a.min;
    r.maxAddr = a.max;
  }
  if (portPart !== undefined) {
    if (!checkPortProtocol(ctx, target, loc)) return r.minAddr ? r : undefined;
    const p = parseNatPorts(portPart, base);
    if (typeof p === "string") {
      ctx.error("bad-nat-range", `${target}: ${p}`, loc);
      return r.minAddr ? r : undefined;
    }
    r.minPort = p.lo;
    r.maxPort = p.hi;
    if (p.base !== undefined) r.basePort = p.base;
  }
  return r;
}

/** `--to-ports` of MASQUERADE/REDIRECT. */
export function decodeToPorts(o: OptionOccurrence, ctx: DecodeContext, target: string, base: NatBaseMode): NatRange | undefined {
  const loc = o.valueLocs[0] ?? o.loc;
  if (!checkPortProtocol(ctx, target, loc)) return undefined;
  const p = parseNatPorts(o.values[0] ?? "", base);
  if (typeof p === "string") {
    ctx.error("bad-port", `${target}: ${p}`, loc);
    return undefined;
  }
  return p.base !== undefined ? { minPort: p.lo, maxPort: p.hi, basePort: p.base } : { minPort: p.lo, maxPort: p.hi };
}

/** `lo[-hi][/base]` */
export function formatPorts(r: NatRange): string {
  if (r.minPort === undefined) return "";
  const hi = r.maxPort ?? r.minPort;
  let s = r.minPort === hi ? `${r.minPort}` : `${r.minPort}-${hi}`;
  if (r.basePort !== undefined) s += `/${r.basePort}`;
  return s;
}

export function formatNatRange(r: NatRange, family: Family): string {
  let addr = "";
  if (r.minAddr) {
    addr = formatAddr(r.minAddr);
    if (r.maxAddr && r.maxAddr.value !== r.minAddr.value) addr += "-" + formatAddr(r.maxAddr);
  }
  const port = formatPorts(r);
  if (port === "") return addr;
  if (family === 6 && addr !== "") return `[${addr}]:${port}`;
  return `${addr}:${port}`;
}

/** `formatNatRange`, remembered per range: evaluation reports it for every packet a NAT rule rewrites. */
const texts = new WeakMap<NatRange, { readonly family: Family; readonly text: string }>();
export function natRangeText(r: NatRange, family: Family): string {
  const known = texts.get(r);
  if (known && known.family === family) return known.text;
  const text = formatNatRange(r, family);
  texts.set(r, { family, text });
  return text;
}

function inAddrRange(r: NatRange, a: IpAddr): boolean {
  return !!r.minAddr && !!r.maxAddr && a.family === r.minAddr.family && a.value >= r.minAddr.value && a.value <= r.maxAddr.value;
}

/** The port the kernel's get_unique_tuple picks (without clashes): kept when in range, else min (+offset). */
function mapPort(r: NatRange, port: number | undefined): number | undefined {
  if (port === undefined || r.minPort === undefined) return port;
  const lo = r.minPort;
  const hi = r.maxPort ?? lo;
  if (r.basePort !== undefined && r.basePort !== 0) return lo + (((port - r.basePort) & 0xffff) % (hi - lo + 1));
  if (port >= lo && port <= hi) return port;
  return lo;
}

/**
 * Rewrite the destination or source with the range, as nf_nat's get_unique_tuple does for the first
 * packet of a connection when nothing clashes: an original port already in the range is kept, otherwise
 * the lowest port (DNAT with `/base`: `min + (port - base) % size`); a SNAT source already in the
 * address range is kept.
 * Deviation: for a multi-address range the kernel picks an address by hash of the tuple, and SNAT picks a
 * free port at random; we take the lowest and the caller's detail shows the range.
 */
export function natRewrite(pkt: Packet, r: NatRange | undefined, which: "src" | "dst"): Packet {
  const out: { -readonly [K in keyof Packet]: Packet[K] } = { ...pkt };
  if (which === "dst") out.ctDnat = true;
  else out.ctSnat = true;
  if (!r) return out;
  if (which === "dst") {
    if (r.minAddr) out.dst = r.minAddr;
    const p = mapPort(r, pkt.dport);
    if (p !== undefined) out.dport = p;
  } else {
    if (r.minAddr && !inAddrRange(r, pkt.src)) out.src = r.minAddr;
    const p = mapPort(r, pkt.sport);
    if (p !== undefined) out.sport = p;
  }
  return out;
}
