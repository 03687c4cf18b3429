/**
 * Symbolic forms of match extensions, for extensions whose file does not yet provide
 * `MatchExtension.space` and for modules kept opaque by the parser.
 *
 * TODO(space hooks): move each form into its extension file's `space(node, family)` hook (the STYLE's
 * "an extension file … gives its symbolic packet-set form"). They live here for now because those files
 * were being written concurrently; they read the match's canonical iptables-save words (or the verbatim
 * words of an opaque match), which keeps them independent of each node's field names.
 *
 * Semantics follow iptables-extensions(8) and the kernel matches (xt_tcpudp, xt_multiport, xt_mark,
 * xt_conntrack, xt_addrtype …). What cannot be represented is `opaque`, never guessed.
 */
import { parseAddr, type Family } from "../net/addr.js";
import { PROTO } from "../net/packet.js";
import { and, masked, not, oneOf, opaque, or, range, TRUE, type RangeField, type SymExpr } from "./expr.js";

/** Words of a match after `-m name`, split like iptables-restore does (double quotes, backslash escapes). */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === " " || text[i] === "\t") i++;
    if (i >= text.length) break;
    let w = "";
    let quoted = false;
    while (i < text.length && (quoted || (text[i] !== " " && text[i] !== "\t"))) {
      const c = text[i]!;
      if (c === '"') {
        quoted = !quoted;
        i++;
        continue;
      }
      if (quoted && c === "\\" && i + 1 < text.length) {
        w += text[i + 1];
        i += 2;
        continue;
      }
      w += c;
      i++;
    }
    out.push(w);
  }
  return out;
}

interface Opt {
  readonly name: string;
  readonly negated: boolean;
  readonly values: string[];
}

/** Options taking other than one value. */
const ARITY: Readonly<Record<string, number>> = {
  "tcp-flags": 2,
  syn: 0,
  "limit-iface-in": 0,
  "limit-iface-out": 0,
  "chunk-types": 2,
};

/** Split `[!] --name value…` words into options; null when the words do not have that shape. */
function options(words: readonly string[]): Opt[] | null {
  const out: Opt[] = [];
  let neg = false;
  for (let i = 0; i < words.length; ) {
    const w = words[i]!;
    if (w === "!") {
      neg = true;
      i++;
      continue;
    }
    if (!w.startsWith("--")) return null;
    const name = w.slice(2);
    const n = ARITY[name] ?? 1;
    const values = words.slice(i + 1, i + 1 + n) as string[];
    if (values.length < n) return null;
    // `--opt ! value` (old placement of the bang) is accepted too.
    if (values[0] === "!" && n > 0) {
      neg = true;
      values.shift();
      if (i + 1 + n < words.length) values.push(words[i + 1 + n]!);
      i++;
    }
    out.push({ name, negated: neg, values });
    neg = false;
    i += 1 + n;
  }
  return out;
}

function num(text: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, dns: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, www: 80,
  kerberos: 88, pop3: 110, sunrpc: 111, ntp: 123, imap: 143, snmp: 161, bgp: 179, ldap: 389, https: 443,
  submission: 587, ldaps: 636, imaps: 993, pop3s: 995, mysql: 3306, postgresql: 5432,
};

function port(text: string): number | null {
  const n = num(text);
  if (n !== null) return n <= 65535 ? n : null;
  return SERVICES[text] ?? null;
}

/** `a`, `a:b`, `a:`, `:b` (tcp/udp) or `a-b` (nat-style) → [lo, hi]. */
function portRange(text: string): [number, number] | null {
  const sep = text.includes(":") ? ":" : null;
  if (!sep) {
    const p = port(text);
    return p === null ? null : [p, p];
  }
  const [a, b] = text.split(sep) as [string, string];
  const lo = a === "" ? 0 : port(a);
  const hi = b === "" ? 65535 : port(b);
  return lo === null || hi === null || lo > hi ? null : [lo, hi];
}

function portCond(field: "sport" | "dport", text: string): SymExpr | null {
  const r = portRange(text);
  return r ? range(field, r[0], r[1]) : null;
}

const FIRST_FRAGMENT: SymExpr = oneOf("frag", ["first"]);

const TCP_FLAG_BITS: Readonly<Record<string, number>> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128, ALL: 0x3f, NONE: 0 };
function flags(text: string): number | null {
  let v = 0;
  for (const n of text.split(",")) {
    const b = TCP_FLAG_BITS[n.toUpperCase()];
    if (b === undefined) return null;
    v |= b;
  }
  return v;
}

/** tcp, udp, udplite, sctp, dccp: the protocol, first fragments only, and the port options. */
function transport(module: string, proto: number, opts: readonly Opt[]): SymExpr {
  const terms: SymExpr[] = [range("proto", proto), FIRST_FRAGMENT];
  for (const o of opts) {
    let t: SymExpr | null = null;
    switch (o.name) {
      case "sport":
      case "source-port":
        t = portCond("sport", o.values[0]!);
        break;
      case "dport":
      case "destination-port":
        t = portCond("dport", o.values[0]!);
        break;
      case "tcp-flags": {
        if (module !== "tcp") break;
        const mask = flags(o.values[0]!);
        const comp = flags(o.values[1]!);
        if (mask !== null && comp !== null) t = { op: "flags", mask, comp: comp & mask };
        break;
      }
      case "syn":
        if (module === "tcp") t = { op: "flags", mask: 0x17, comp: 0x02 };
        break;
      default:
        t = opaque(`${module} --${o.name}`);
    }
    if (!t) return opaque(`${module}: unreadable --${o.name}`);
    terms.push(not(t, o.negated));
  }
  return and(...terms);
}

const PORT_PROTOS = [PROTO.tcp, PROTO.udp, PROTO.dccp, PROTO.sctp, PROTO.udplite];

function multiport(opts: readonly Opt[]): SymExpr {
  const terms: SymExpr[] = [or(...PORT_PROTOS.map((p) => range("proto", p))), FIRST_FRAGMENT];
  for (const o of opts) {
    const items = o.values[0]!.split(",").map(portRange);
    if (items.some((r) => r === null)) return opaque("multiport: unreadable port list");
    const inList = (f: "sport" | "dport") => or(...(items as [number, number][]).map(([a, b]) => range(f, a, b)));
    let t: SymExpr;
    switch (o.name) {
      case "sports":
      case "source-ports":
        t = inList("sport");
        break;
      case "dports":
      case "destination-ports":
        t = inList("dport");
        break;
      case "ports":
        t = or(inList("sport"), inList("dport"));
        break;
      default:
        return opaque(`multiport --${o.name}`);
    }
    terms.push(not(t, o.negated));
  }
  return and(...terms);
}

function icmpType(text: string, v6: boolean): SymExpr | null {
  if (text === "any") return TRUE;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text);
  let type: number;
  let lo = 0;
  let hi = 255;
  if (m) {
    type = Number(m[1]);
    if (m[2] !== undefined) lo = hi = Number(m[2]);
  } else {
    const named = (v6 ? ICMPV6_BY_NAME : ICMP_BY_NAME)[text];
    if (!named) return null;
    [type, lo, hi] = named;
  }
  if (type > 255 || lo > 255) return null;
  return range("icmp", (type << 8) | lo, (type << 8) | hi);
}

/** The common names (input only: iptables-save prints numbers). */
const ICMP_BY_NAME: Readonly<Record<string, [number, number, number]>> = {
  "echo-reply": [0, 0, 255], pong: [0, 0, 255], "destination-unreachable": [3, 0, 255], "port-unreachable": [3, 3, 3],
  "host-unreachable": [3, 1, 1], "network-unreachable": [3, 0, 0], "fragmentation-needed": [3, 4, 4],
  "source-quench": [4, 0, 255], redirect: [5, 0, 255], "echo-request": [8, 0, 255], ping: [8, 0, 255],
  "time-exceeded": [11, 0, 255], "ttl-exceeded": [11, 0, 255], "parameter-problem": [12, 0, 255],
};
const ICMPV6_BY_NAME: Readonly<Record<string, [number, number, number]>> = {
  "destination-unreachable": [1, 0, 255], "packet-too-big": [2, 0, 255], "time-exceeded": [3, 0, 255],
  "parameter-problem": [4, 0, 255], "echo-request": [128, 0, 255], "echo-reply": [129, 0, 255],
  "router-solicitation": [133, 0, 255], "router-advertisement": [134, 0, 255], "neighbour-solicitation": [135, 0, 255],
  "neighbor-solicitation": [135, 0, 255], "neighbour-advertisement": [136, 0, 255], "neighbor-advertisement": [136, 0, 255],
};

function addrRange(field: RangeField, text: string, family: Family): SymExpr | null {
  const [a, b = a] = text.split("-");
  const lo = parseAddr(a!, family);
  const hi = parseAddr(b!, family);
  if (!lo || !hi || lo.value > hi.value) return null;
  return range(field, lo.value, hi.value);
}

function markCond(field: "mark" | "connmark", text: string): SymExpr | null {
  const [v, m] = text.split("/");
  const value = num(v!);
  const mask = m === undefined ? 0xffffffff : num(m);
  if (value === null || mask === null || value > 0xffffffff || mask > 0xffffffff) return null;
  return masked(field, value, mask);
}

const STATES = new Set(["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"]);
const STATUSES = new Set(["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"]);
const TYPES = new Set(["UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"]);

function enumList(text: string, known: ReadonlySet<string>): string[] | null {
  const items = text.split(",").map((s) => s.toUpperCase());
  return items.every((s) => known.has(s)) ? items : null;
}

function conntrack(opts: readonly Opt[]): SymExpr {
  const terms: SymExpr[] = [];
  let needsEntry = false;
  for (const o of opts) {
    switch (o.name) {
      case "ctstate": {
        const l = enumList(o.values[0]!, STATES);
        if (!l) return opaque("conntrack: unreadable --ctstate");
        terms.push(not(oneOf("ctstate", l), o.negated));
        break;
      }
      case "ctstatus": {
        const l = enumList(o.values[0]!, STATUSES);
        if (!l) return opaque("conntrack: unreadable --ctstatus");
        needsEntry = true;
        terms.push(not(oneOf("ctstatus", l.filter((s) => s !== "NONE")), o.negated));
        break;
      }
      default:
        needsEntry = true;
        terms.push(opaque(`conntrack --${o.name}`));
    }
  }
  // xt_conntrack: a packet without a conntrack entry (INVALID, UNTRACKED) passes only a match that
  // tests nothing but the state.
  if (needsEntry) terms.push(oneOf("ctstate", ["NEW", "ESTABLISHED", "RELATED"]));
  return and(...terms);
}

/**
 * The symbolic form of one match from its module name and words (after `-m name`).
 */
export function matchExprFromWords(module: string, words: readonly string[], family: Family): SymExpr {
  const opts = options(words);
  if (!opts) return opaque(`-m ${module}: unreadable options`);
  const one = (f: (o: Opt) => SymExpr | null): SymExpr => {
    const terms: SymExpr[] = [];
    for (const o of opts) {
      const t = f(o);
      if (!t) return opaque(`-m ${module} --${o.name}`);
      terms.push(not(t, o.negated));
    }
    return and(...terms);
  };
  switch (module) {
    case "comment":
    case "nfacct":
      return TRUE;
    case "tcp":
      return transport("tcp", PROTO.tcp, opts);
    case "udp":
      return transport("udp", PROTO.udp, opts);
    case "udplite":
      return transport("udplite", PROTO.udplite, opts);
    case "sctp":
      return transport("sctp", PROTO.sctp, opts);
    case "dccp":
      return transport("dccp", PROTO.dccp, opts);
    case "multiport":
      return multiport(opts);
    case "icmp":
    case "icmp6":
    case "icmpv6": {
      const v6 = module !== "icmp";
      // xt icmp never matches a later fragment, negated or not.
      const base = [range("proto", v6 ? PROTO.icmpv6 : PROTO.icmp), FIRST_FRAGMENT];
      return and(...base, one((o) => (o.name === "icmp-type" || o.name === "icmpv6-type" ? icmpType(o.values[0]!, v6) : null)));
    }
    case "iprange":
      return one((o) =>
        o.name === "src-range" ? addrRange("src", o.values[0]!, family) : o.name === "dst-range" ? addrRange("dst", o.values[0]!, family) : null,
      );
    case "mark":
      return one((o) => (o.name === "mark" ? markCond("mark", o.values[0]!) : null));
    case "connmark":
      // xt_connmark: no conntrack entry (INVALID, UNTRACKED), no match, negated or not.
      return and(
        oneOf("ctstate", ["NEW", "ESTABLISHED", "RELATED"]),
        one((o) => (o.name === "mark" ? markCond("connmark", o.values[0]!) : null)),
      );
    case "state":
      return one((o) => {
        const l = o.name === "state" ? enumList(o.values[0]!, STATES) : null;
        return l ? oneOf("ctstate", l) : null;
      });
    case "conntrack":
      return conntrack(opts);
    case "addrtype":
      if (opts.some((o) => o.name.startsWith("limit-iface"))) return opaque("addrtype --limit-iface");
      return one((o) => {
        const l = o.name === "src-type" || o.name === "dst-type" ? enumList(o.values[0]!, TYPES) : null;
        return l ? oneOf(o.name === "src-type" ? "srcType" : "dstType", l) : null;
      });
    case "statistic":
      return opaque("statistic (a random or every-nth draw)");
    default:
      return opaque(`-m ${module}`);
  }
}

