/**
 * `-m conntrack` (iptables-extensions(8), "conntrack"), revision 3: `[!] --ctstate`, `[!] --ctproto`,
 * `[!] --ctorigsrc/--ctorigdst/--ctreplsrc/--ctrepldst addr[/mask]`,
 * `[!] --ctorigsrcport/--ctorigdstport/--ctreplsrcport/--ctrepldstport port[:port]`, `[!] --ctstatus`,
 * `[!] --ctexpire time[:time]`, `--ctdir ORIGINAL|REPLY`.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy) iptables-save:
 * - fixed order: ctstate, ctproto, ctorigsrc, ctorigdst, ctreplsrc, ctrepldst, ctorigsrcport,
 *   ctorigdstport, ctreplsrcport, ctrepldstport, ctstatus, ctexpire, ctdir; `! ` before each option;
 * - states print upper-case in the order INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT, duplicates
 *   merged (`ESTABLISHED,RELATED` → `RELATED,ESTABLISHED`); states are case-insensitive prefixes;
 * - statuses print in the order EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED; an empty set prints `NONE`;
 * - `--ctproto` prints the number (`tcp` → `6`, `all` → `0`, `icmpv6` → `58`);
 * - addresses are NOT masked (`10.1.2.3/16` stays); a full mask is omitted (`/32`, `/128`), `/0` is
 *   printed, dotted masks become prefix lengths (`/255.255.0.0` → `/16`); a non-contiguous mask
 *   (`/255.0.255.0`) is not kept: iptables-save prints the bare address;
 * - ports: service names become numbers, `80:` → `80:65535`, `:80` → `0:80`, `0:65535` is printed,
 *   `80:80` → `80`, an inverted range `90:80` is accepted and printed as is (it never matches);
 * - `--ctexpire 10:10` → `10`, `20:10` printed as is;
 * - `--ctdir` is case-insensitive, prints upper-case and cannot be negated;
 * - `-m conntrack` alone is refused ("At least one option is required").
 */
import type { MatchBase } from "../../model/ast.js";
import { bits, formatAddr, maskToPrefix, parseAddr, prefixMask, type IpAddr } from "../../net/addr.js";
import { parseProtocol, type CtState, type CtStatus, type Packet } from "../../net/packet.js";
import { defineMatch, type DecodeContext, type MatchEval, type OptionOccurrence } from "../types.js";
import { byName, neg, parsePort, words } from "../util.js";
import { allOf, parseCUint, prefixKeyword, unknown } from "./common.js";
import { and, not, oneOf, opaque, type SymExpr } from "../../space/expr.js";

export interface CtStateCond {
  readonly negated: boolean;
  /** In print order. */
  readonly states: readonly CtState[];
}

export interface CtAddrCond {
  readonly negated: boolean;
  /** The address as written (conntrack keeps it unmasked). */
  readonly addr: IpAddr;
  readonly prefixLen: number;
}

export interface CtRangeCond {
  readonly negated: boolean;
  readonly lo: number;
  readonly hi: number;
}

export interface ConntrackMatch extends MatchBase {
  readonly module: "conntrack";
  readonly ctstate?: CtStateCond;
  readonly ctproto?: { readonly negated: boolean; readonly number: number };
  readonly ctorigsrc?: CtAddrCond;
  readonly ctorigdst?: CtAddrCond;
  readonly ctreplsrc?: CtAddrCond;
  readonly ctrepldst?: CtAddrCond;
  readonly ctorigsrcport?: CtRangeCond;
  readonly ctorigdstport?: CtRangeCond;
  readonly ctreplsrcport?: CtRangeCond;
  readonly ctrepldstport?: CtRangeCond;
  /** Empty statuses print as NONE. */
  readonly ctstatus?: { readonly negated: boolean; readonly statuses: readonly Exclude<CtStatus, "NONE">[] };
  readonly ctexpire?: CtRangeCond;
  readonly ctdir?: "ORIGINAL" | "REPLY";
}

/** Print order of states (libxt_conntrack print_state). */
export const CT_STATES: readonly CtState[] = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"];
/** Order in which a state word is tried as a prefix (conntrack_ps_state). */
const CT_STATE_PARSE: readonly CtState[] = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"];
const CT_STATUS_PARSE: readonly CtStatus[] = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"];
const CT_STATUS_PRINT: readonly Exclude<CtStatus, "NONE">[] = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"];

/**
 * A comma list of states, each a case-insensitive prefix tried in `parseOrder`, printed in CT_STATES
 * order. Returns an error message naming the rest of the list from the bad item, as iptables does.
 */
export function parseStates(text: string, parseOrder: readonly CtState[], what: string): CtState[] | string {
  const set = new Set<CtState>();
  const items = text.split(",");
  for (let i = 0; i < items.length; i++) {
    const s = prefixKeyword(items[i]!, parseOrder);
    if (!s) return `bad ${what} "${items.slice(i).join(",")}"`;
    set.add(s);
  }
  return CT_STATES.filter((s) => set.has(s));
}

/** Whether the packet has a conntrack entry (nf_ct_get returns one). */
export function hasConntrack(pkt: Packet): boolean {
  return pkt.ctState !== "INVALID" && pkt.ctState !== "UNTRACKED";
}

/** The state test shared by `--ctstate` and `-m state --state` (xt_conntrack with the state alias). */
export function ctStateMatches(c: CtStateCond, pkt: Packet): boolean {
  // Evaluated for nearly every packet (kube-proxy's FORWARD rules): no allocation here.
  const tracked = hasConntrack(pkt);
  let hit = false;
  for (const s of c.states) {
    if (s === pkt.ctState || (tracked && ((s === "SNAT" && pkt.ctSnat) || (s === "DNAT" && pkt.ctDnat)))) {
      hit = true;
      break;
    }
  }
  return hit !== c.negated;
}

function decodeAddr(o: OptionOccurrence, ctx: DecodeContext): CtAddrCond | undefined {
  const text = o.values[0]!;
  const loc = o.valueLocs[0] ?? o.loc;
  const slash = text.indexOf("/");
  const addr = parseAddr(slash < 0 ? text : text.slice(0, slash), ctx.family);
  if (!addr) {
    ctx.error("bad-value", `conntrack: ${o.written}: '${slash < 0 ? text : text.slice(0, slash)}' is not an IPv${ctx.family} address (host names are not resolved)`, loc);
    return undefined;
  }
  const full = bits(addr.family);
  if (slash < 0) return { negated: o.negated, addr, prefixLen: full };
  const m = text.slice(slash + 1);
  if (/^\d+$/.test(m)) {
    const len = Number(m);
    if (len > full) {
      ctx.error("bad-value", `conntrack: ${o.written}: prefix length /${m} is too long for IPv${addr.family}`, loc);
      return undefined;
    }
    return { negated: o.negated, addr, prefixLen: len };
  }
  const mask = parseAddr(m, addr.family);
  if (!mask) {
    ctx.error("bad-value", `conntrack: ${o.written}: '${m}' is not a prefix length or mask`, loc);
    return undefined;
  }
  const len = maskToPrefix(addr.family, mask.value);
  if (len === null) {
    ctx.warn("mask-dropped", `conntrack: ${o.written}: the non-contiguous mask ${m} is not kept by iptables (it matches the address exactly)`, loc);
    return { negated: o.negated, addr, prefixLen: full };
  }
  return { negated: o.negated, addr, prefixLen: len };
}

/** XTTYPE_PORTRC: `p`, `p:q`, `p:`, `:q`; names allowed; an inverted range is kept. */
function decodePortRange(o: OptionOccurrence, ctx: DecodeContext): CtRangeCond | undefined {
  const text = o.values[0]!;
  const colon = text.indexOf(":");
  const a = colon < 0 ? text : text.slice(0, colon);
  const b = colon < 0 ? a : text.slice(colon + 1);
  const lo = a === "" ? 0 : parsePort(a);
  const hi = b === "" ? 65535 : parsePort(b);
  if (lo === null || hi === null) {
    ctx.error("bad-value", `conntrack: ${o.written}: '${lo === null ? a : b}' is not a port number or service name`, o.valueLocs[0] ?? o.loc);
    return undefined;
  }
  return { negated: o.negated, lo, hi };
}

/** XTTYPE_UINT32RC: `n` or `n:m`. */
function decodeU32Range(o: OptionOccurrence, ctx: DecodeContext): CtRangeCond | undefined {
  const text = o.values[0]!;
  const colon = text.indexOf(":");
  const lo = parseCUint(colon < 0 ? text : text.slice(0, colon));
  const hi = colon < 0 ? lo : parseCUint(text.slice(colon + 1));
  if (lo === null || hi === null) {
    ctx.error("bad-value", `conntrack: ${o.written}: '${text}' is not a number or range (0-4294967295)`, o.valueLocs[0] ?? o.loc);
    return undefined;
  }
  return { negated: o.negated, lo, hi };
}

function formatAddrCond(c: CtAddrCond): string {
  return c.prefixLen === bits(c.addr.family) ? formatAddr(c.addr) : `${formatAddr(c.addr)}/${c.prefixLen}`;
}

/** conntrack_dump_ports: one number when low == high (or high is 0). */
function formatPorts(c: CtRangeCond): string {
  return c.hi === 0 || c.lo === c.hi ? String(c.lo) : `${c.lo}:${c.hi}`;
}

function formatRange(c: CtRangeCond): string {
  return c.lo === c.hi ? String(c.lo) : `${c.lo}:${c.hi}`;
}

const ADDR_OPTS = ["ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst"] as const;
const PORT_OPTS = ["ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport"] as const;

/** Options besides --ctstate/--ctstatus: each needs a conntrack entry, and the space does not model them. */
const OTHER_CT_OPTIONS = [
  "ctproto",
  "ctorigsrc",
  "ctorigdst",
  "ctreplsrc",
  "ctrepldst",
  "ctorigsrcport",
  "ctorigdstport",
  "ctreplsrcport",
  "ctrepldstport",
  "ctexpire",
  "ctdir",
] as const satisfies readonly (keyof ConntrackMatch)[];

export const conntrack = defineMatch<ConntrackMatch>({
  name: "conntrack",
  options: [
    { name: "ctstate", args: 1, negatable: true },
    { name: "ctproto", args: 1, negatable: true },
    ...ADDR_OPTS.map((name) => ({ name, args: 1, negatable: true })),
    ...PORT_OPTS.map((name) => ({ name, args: 1, negatable: true })),
    { name: "ctstatus", args: 1, negatable: true },
    { name: "ctexpire", args: 1, negatable: true },
    { name: "ctdir", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "conntrack");
    const node: { -readonly [K in keyof ConntrackMatch]: ConntrackMatch[K] } = { kind: "match", module: "conntrack", loc };
    if (opts.length === 0) ctx.error("missing-option", "conntrack: at least one option is required", loc);
    const st = o.get("ctstate");
    if (st) {
      const r = parseStates(st.values[0]!, CT_STATE_PARSE, "ctstate");
      if (typeof r === "string") ctx.error("bad-value", `conntrack: ${r}`, st.valueLocs[0] ?? st.loc);
      else node.ctstate = { negated: st.negated, states: r };
    }
    const pr = o.get("ctproto");
    if (pr) {
      const n = parseProtocol(pr.values[0]!);
      if (n === null) ctx.error("bad-value", `conntrack: unknown protocol "${pr.values[0]}" specified`, pr.valueLocs[0] ?? pr.loc);
      else node.ctproto = { negated: pr.negated, number: n };
    }
    for (const k of ADDR_OPTS) {
      const a = o.get(k);
      if (a) node[k] = decodeAddr(a, ctx);
    }
    for (const k of PORT_OPTS) {
      const p = o.get(k);
      if (p) node[k] = decodePortRange(p, ctx);
    }
    const stat = o.get("ctstatus");
    if (stat) {
      const set = new Set<CtStatus>();
      const items = stat.values[0]!.split(",");
      let bad: string | undefined;
      for (let i = 0; i < items.length && bad === undefined; i++) {
        const s = prefixKeyword(items[i]!, CT_STATUS_PARSE);
        if (s) set.add(s);
        else bad = items.slice(i).join(",");
      }
      if (bad !== undefined) ctx.error("bad-value", `conntrack: bad ctstatus "${bad}"`, stat.valueLocs[0] ?? stat.loc);
      else node.ctstatus = { negated: stat.negated, statuses: CT_STATUS_PRINT.filter((s) => set.has(s)) };
    }
    const exp = o.get("ctexpire");
    if (exp) node.ctexpire = decodeU32Range(exp, ctx);
    const dir = o.get("ctdir");
    if (dir) {
      const d = dir.values[0]!.toUpperCase();
      if (d === "ORIGINAL" || d === "REPLY") node.ctdir = d;
      else ctx.error("bad-value", `conntrack: bad value for "--ctdir" option: "${dir.values[0]}" (expected ORIGINAL or REPLY)`, dir.valueLocs[0] ?? dir.loc);
    }
    return node;
  },
  print(m) {
    const addr = (k: (typeof ADDR_OPTS)[number]) => {
      const c = m[k];
      return c && `${neg(c.negated)}--${k} ${formatAddrCond(c)}`;
    };
    const port = (k: (typeof PORT_OPTS)[number]) => {
      const c = m[k];
      return c && `${neg(c.negated)}--${k} ${formatPorts(c)}`;
    };
    return words(
      m.ctstate && `${neg(m.ctstate.negated)}--ctstate ${m.ctstate.states.join(",")}`,
      m.ctproto && `${neg(m.ctproto.negated)}--ctproto ${m.ctproto.number}`,
      ...ADDR_OPTS.map(addr),
      ...PORT_OPTS.map(port),
      m.ctstatus && `${neg(m.ctstatus.negated)}--ctstatus ${m.ctstatus.statuses.length ? m.ctstatus.statuses.join(",") : "NONE"}`,
      m.ctexpire && `${neg(m.ctexpire.negated)}--ctexpire ${formatRange(m.ctexpire)}`,
      m.ctdir && `--ctdir ${m.ctdir}`,
    );
  },
  evaluate(m, pkt) {
    if (m.ctstate && !ctStateMatches(m.ctstate, pkt)) return false;
    // xt_conntrack: without a conntrack entry only a (passed) state test can make the match hold.
    if (!hasConntrack(pkt)) return m.ctstate !== undefined;
    // The common form (`--ctstate …` alone) is decided already.
    if (
      !m.ctdir && !m.ctproto && !m.ctstatus && !m.ctexpire && !m.ctorigsrc && !m.ctorigdst && !m.ctreplsrc && !m.ctrepldst &&
      !m.ctorigsrcport && !m.ctorigdstport && !m.ctreplsrcport && !m.ctrepldstport
    )
      return true;
    const parts: MatchEval[] = [];
    if (m.ctdir) {
      // Deviation: packets carry no direction; a NEW packet is in the original direction, others unknown.
      if (pkt.ctState === "NEW") parts.push(m.ctdir === "ORIGINAL");
      else parts.push(unknown(`conntrack:ctdir ${m.ctdir}`, `the packet travels in the ${m.ctdir.toLowerCase()} direction of its connection`));
    }
    if (m.ctproto) parts.push((pkt.proto === m.ctproto.number) !== m.ctproto.negated);
    const t = tuple(pkt);
    const addrTest = (c: CtAddrCond | undefined, a: IpAddr | undefined, key: string) => {
      if (!c) return;
      if (!a) parts.push(unknown(`conntrack:${key}`, `the connection's ${key.slice(2)} address is in ${formatAddrCond(c)}`, c.negated));
      else parts.push(inPrefix(c, a) !== c.negated);
    };
    addrTest(m.ctorigsrc, t.origSrc, "ctorigsrc");
    addrTest(m.ctorigdst, t.origDst, "ctorigdst");
    addrTest(m.ctreplsrc, t.replSrc, "ctreplsrc");
    addrTest(m.ctrepldst, t.replDst, "ctrepldst");
    const portTest = (c: CtRangeCond | undefined, p: number | undefined, key: string) => {
      if (!c) return;
      if (p === undefined) parts.push(unknown(`conntrack:${key}`, `the connection's ${key.slice(2)} is in ${formatPorts(c)}`, c.negated));
      else parts.push((p >= c.lo && p <= c.hi) !== c.negated);
    };
    portTest(m.ctorigsrcport, t.origSport, "ctorigsrcport");
    portTest(m.ctorigdstport, t.origDport, "ctorigdstport");
    portTest(m.ctreplsrcport, t.replSport, "ctreplsrcport");
    portTest(m.ctrepldstport, t.replDport, "ctrepldstport");
    if (m.ctstatus) {
      const any = m.ctstatus.statuses.some((s) => pkt.ctStatus.has(s));
      parts.push(any !== m.ctstatus.negated);
    }
    if (m.ctexpire) {
      const e = m.ctexpire;
      parts.push(unknown(`conntrack:ctexpire ${formatRange(e)}`, `the connection's remaining lifetime is ${formatRange(e)} s`, e.negated));
    }
    return allOf(parts);
  },
  space(m) {
    const terms: SymExpr[] = [];
    if (m.ctstate) terms.push(not(oneOf("ctstate", m.ctstate.states), m.ctstate.negated));
    if (m.ctstatus) terms.push(not(oneOf("ctstatus", m.ctstatus.statuses), m.ctstatus.negated));
    // Everything but the state needs a conntrack entry; the space does not model the tuple, expiry or direction.
    for (const k of OTHER_CT_OPTIONS) {
      const c: unknown = m[k];
      if (c === undefined) continue;
      const negated = typeof c === "object" && c !== null && "negated" in c && c.negated === true;
      terms.push(not(opaque(`conntrack --${k}`), negated));
    }
    // xt_conntrack: a packet without a conntrack entry (INVALID, UNTRACKED) passes only a match that
    // tests nothing but the state.
    if (m.ctstatus || OTHER_CT_OPTIONS.some((k) => m[k] !== undefined)) terms.push(oneOf("ctstate", ["NEW", "ESTABLISHED", "RELATED"]));
    return and(...terms);
  },
});

function inPrefix(c: CtAddrCond, a: IpAddr): boolean {
  if (a.family !== c.addr.family) return false;
  const mask = prefixMask(a.family, c.prefixLen);
  return (a.value & mask) === (c.addr.value & mask);
}

interface Tuple {
  origSrc?: IpAddr;
  origDst?: IpAddr;
  replSrc?: IpAddr;
  replDst?: IpAddr;
  origSport?: number;
  origDport?: number;
  replSport?: number;
  replDport?: number;
}

/**
 * The connection's tuples as far as the packet tells them. Deviation: the packet is taken to travel in
 * the original direction; the original tuple is `ctOrig*` when the engine recorded it (after NAT),
 * otherwise the packet's own addresses. The reply tuple mirrors it unless the connection is NATed and
 * the packet does not show the translated side yet (then it is unknown).
 */
function tuple(pkt: Packet): Tuple {
  const origSrc = pkt.ctOrigSrc ?? pkt.src;
  const origDst = pkt.ctOrigDst ?? pkt.dst;
  const origSport = pkt.ctOrigSport ?? pkt.sport;
  const origDport = pkt.ctOrigDport ?? pkt.dport;
  const t: Tuple = { origSrc, origDst, origSport, origDport };
  const dnatSeen = pkt.ctOrigDst !== undefined && (pkt.ctOrigDst.value !== pkt.dst.value || pkt.ctOrigDport !== pkt.dport);
  const snatSeen = pkt.ctOrigSrc !== undefined && (pkt.ctOrigSrc.value !== pkt.src.value || pkt.ctOrigSport !== pkt.sport);
  if (!pkt.ctDnat) {
    t.replSrc = origDst;
    t.replSport = origDport;
  } else if (dnatSeen) {
    t.replSrc = pkt.dst;
    t.replSport = pkt.dport;
  }
  if (!pkt.ctSnat) {
    t.replDst = origSrc;
    t.replDport = origSport;
  } else if (snatSeen) {
    t.replDst = pkt.src;
    t.replDport = pkt.sport;
  }
  return t;
}
