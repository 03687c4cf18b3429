/**
 * Reading a packet and the node around it from user input: command-line flags and `--batch` lines use
 * the same field names (`src`, `dst`, `proto`, `sport`, `dport`, `from`, `inIface`, … — the object the
 * diff uses for its witnesses), so both go through `parsePacketFields`. Errors are messages, never
 * exceptions.
 */
import { parseAddr, type Family } from "../net/addr.js";
import { PROTO, TCP_FLAGS, parseProtocol, type CtState, type CtStatus } from "../net/packet.js";
import { ICMP_NAMES, ICMPV6_NAMES, parseIcmpType } from "../extensions/matches/icmp-types.js";
import { makeNodeContext, parseLocalAddress, parseRoute, PORT_PROTOCOLS, ORIGINS, type LocalAddress, type NodeContext, type Origin, type PacketSpec, type Route } from "../engine/index.js";

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Fields a packet object may have (values as JSON or command-line text give them). */
export const PACKET_FIELDS = [
  "src",
  "dst",
  "proto",
  "sport",
  "dport",
  "from",
  "inIface",
  "icmpType",
  "icmpCode",
  "tcpFlags",
  "mark",
  "ctstate",
  "ctstatus",
  "physdevIn",
  "bridged",
] as const;

const CT_STATES: readonly CtState[] = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"];
const CT_STATUSES: readonly CtStatus[] = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"];

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function port(name: string, v: unknown): Parsed<number | undefined> {
  const t = str(v);
  if (t === undefined) return v === undefined || v === null ? ok(undefined) : fail(`${name} must be a port number`);
  if (!/^\d+$/.test(t) || Number(t) > 65535) return fail(`${name} must be a port number 0-65535, not '${t}'`);
  return ok(Number(t));
}

function uint(name: string, v: unknown, max: number): Parsed<number | undefined> {
  const t = str(v);
  if (t === undefined) return v === undefined || v === null ? ok(undefined) : fail(`${name} must be a number`);
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n > max) return fail(`${name} must be a number 0-${max} (decimal or 0x hex), not '${t}'`);
  return ok(n);
}

/** `SYN`, `SYN,ACK`, `ACK,PSH` or a number. */
export function parseTcpFlags(text: string): number | string {
  if (/^\d+$/.test(text)) return Number(text) <= 255 ? Number(text) : `TCP flags '${text}' out of range`;
  let v = 0;
  for (const f of text.split(",")) {
    const up = f.trim().toUpperCase();
    if (up === "NONE" || up === "") continue;
    if (!(up in TCP_FLAGS)) return `unknown TCP flag '${f}' (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR)`;
    v |= TCP_FLAGS[up as keyof typeof TCP_FLAGS];
  }
  return v;
}

/**
 * A packet from an object of fields (all values may be strings, as flags give them). `family`, when
 * given, is the dump's: a packet of the other family is an error.
 */
export function parsePacketFields(o: Readonly<Record<string, unknown>>, family?: Family): Parsed<PacketSpec> {
  for (const k of Object.keys(o))
    if (!(PACKET_FIELDS as readonly string[]).includes(k)) return fail(`unknown packet field '${k}' (known: ${PACKET_FIELDS.join(", ")})`);
  const srcText = str(o["src"]);
  const dstText = str(o["dst"]);
  if (srcText === undefined) return fail("the packet needs a source address (src / --src)");
  if (dstText === undefined) return fail("the packet needs a destination address (dst / --dst)");
  const src = parseAddr(srcText);
  if (!src) return fail(`src: '${srcText}' is not an IP address`);
  const dst = parseAddr(dstText);
  if (!dst) return fail(`dst: '${dstText}' is not an IP address`);
  if (src.family !== dst.family) return fail(`src ${srcText} and dst ${dstText} are of different address families`);
  if (family !== undefined && src.family !== family) return fail(`the packet is IPv${src.family} but the dump is IPv${family}`);

  const protoText = str(o["proto"]) ?? "tcp";
  const proto = parseProtocol(protoText);
  if (proto === null || proto === 0) return fail(`proto: '${protoText}' is not a protocol (tcp, udp, sctp, icmp, icmpv6 or a number 1-255)`);
  if (proto === PROTO.icmp && src.family === 6) return fail("proto icmp is IPv4's; use icmpv6 for an IPv6 packet");
  if (proto === PROTO.icmpv6 && src.family === 4) return fail("proto icmpv6 is IPv6's; use icmp for an IPv4 packet");

  const sport = port("sport", o["sport"]);
  if (!sport.ok) return sport;
  const dport = port("dport", o["dport"]);
  if (!dport.ok) return dport;
  const hasPorts = PORT_PROTOCOLS.has(proto);
  if (hasPorts && dport.value === undefined) return fail(`a ${protoText} packet needs a destination port (dport / --dport)`);
  if (!hasPorts && (sport.value !== undefined || dport.value !== undefined)) return fail(`a ${protoText} packet has no ports; leave out sport/dport`);

  const fromText = str(o["from"]) ?? "external";
  if (!(ORIGINS as readonly string[]).includes(fromText)) return fail(`from: '${fromText}' is not one of ${ORIGINS.join(", ")}`);
  const from = fromText as Origin;

  const spec: { -readonly [K in keyof PacketSpec]: PacketSpec[K] } = { src, dst, proto, from };
  if (hasPorts) {
    // An ephemeral source port when none is given: rules rarely test it, but NAT and the output show it.
    spec.sport = sport.value ?? 40000;
    spec.dport = dport.value;
  }

  const icmpText = str(o["icmpType"]);
  if (proto === PROTO.icmp || proto === PROTO.icmpv6) {
    const names = proto === PROTO.icmp ? ICMP_NAMES : ICMPV6_NAMES;
    // Default: a ping (echo request), the ICMP packet people ask about.
    const t = parseIcmpType(icmpText ?? (proto === PROTO.icmp ? "8" : "128"), names, proto === PROTO.icmp ? "ICMP" : "ICMPv6");
    if (typeof t === "string") return fail(`icmpType: ${t}`);
    if (t.type === 0xff && icmpText !== undefined && /^any$/i.test(icmpText)) return fail("icmpType: 'any' is not a packet's type");
    spec.icmpType = t.type;
    const code = uint("icmpCode", o["icmpCode"], 255);
    if (!code.ok) return code;
    spec.icmpCode = code.value ?? (t.codeMin === t.codeMax ? t.codeMin : 0);
  } else if (icmpText !== undefined || o["icmpCode"] !== undefined) return fail(`icmpType/icmpCode need proto icmp or icmpv6, not ${protoText}`);

  const flagsText = str(o["tcpFlags"]);
  if (flagsText !== undefined) {
    if (proto !== PROTO.tcp) return fail(`tcpFlags need proto tcp, not ${protoText}`);
    const f = parseTcpFlags(flagsText);
    if (typeof f === "string") return fail(`tcpFlags: ${f}`);
    spec.tcpFlags = f;
  }

  const inIface = str(o["inIface"]);
  if (inIface !== undefined) {
    if (from === "host") return fail("inIface does not apply to a packet from host (locally generated packets have no input interface)");
    if (!/^[^\s/]{1,15}$/.test(inIface)) return fail(`inIface: '${inIface}' is not an interface name`);
    spec.inIface = inIface;
  }
  const mark = uint("mark", o["mark"], 0xffffffff);
  if (!mark.ok) return mark;
  if (mark.value !== undefined) spec.mark = mark.value;

  const stateText = str(o["ctstate"]);
  if (stateText !== undefined) {
    const up = stateText.toUpperCase();
    if (!(CT_STATES as readonly string[]).includes(up)) return fail(`ctstate: '${stateText}' is not one of ${CT_STATES.join(", ")}`);
    spec.ctState = up as PacketSpec["ctState"];
  }
  const statusText = str(o["ctstatus"]);
  if (statusText !== undefined) {
    const list: CtStatus[] = [];
    for (const s of statusText.split(",")) {
      const up = s.trim().toUpperCase();
      if (up === "NONE" || up === "") continue;
      if (!(CT_STATUSES as readonly string[]).includes(up)) return fail(`ctstatus: '${s}' is not one of ${CT_STATUSES.join(", ")}`);
      list.push(up as CtStatus);
    }
    spec.ctStatus = list;
  }
  const physdevIn = str(o["physdevIn"]);
  if (physdevIn !== undefined) spec.physdevIn = physdevIn;
  const bridged = o["bridged"];
  if (bridged !== undefined) {
    if (typeof bridged !== "boolean" && bridged !== "true" && bridged !== "false") return fail("bridged must be true or false");
    spec.bridged = bridged === true || bridged === "true";
  }
  return ok(spec);
}

export interface NodeOptions {
  /** `IP` or `IP=IFACE`, repeatable. */
  readonly nodeIp?: readonly string[];
  /** `CIDR=IFACE`, repeatable. */
  readonly route?: readonly string[];
  readonly podIface?: string;
  readonly externalIface?: string;
}

export function parseNodeOptions(o: NodeOptions): Parsed<NodeContext> {
  const localAddresses: LocalAddress[] = [];
  for (const t of o.nodeIp ?? []) {
    const a = parseLocalAddress(t);
    if (typeof a === "string") return fail(`--node-ip: ${a}`);
    localAddresses.push(a);
  }
  const routes: Route[] = [];
  for (const t of o.route ?? []) {
    const r = parseRoute(t);
    if (typeof r === "string") return fail(`--route: ${r}`);
    routes.push(r);
  }
  return ok(
    makeNodeContext({
      localAddresses,
      routes,
      ...(o.podIface !== undefined ? { podIface: o.podIface } : {}),
      ...(o.externalIface !== undefined ? { externalIface: o.externalIface } : {}),
    }),
  );
}

export interface AssumeRule {
  /** Exact key, or a key prefix when it ends with `*`. */
  readonly key: string;
  readonly holds: boolean;
}

/**
 * `--assume-recent`: `hit` / `miss` for every `recent` list, or `NAME=hit|miss` for one list (kube-proxy
 * names its session-affinity lists after the KUBE-SEP chain).
 */
export function parseAssumeRecent(text: string): Parsed<AssumeRule> {
  const eq = text.lastIndexOf("=");
  const name = eq < 0 ? undefined : text.slice(0, eq);
  const v = (eq < 0 ? text : text.slice(eq + 1)).toLowerCase();
  if (v !== "hit" && v !== "miss") return fail(`--assume-recent: '${text}' is not hit, miss, NAME=hit or NAME=miss`);
  if (name === "") return fail(`--assume-recent: '${text}' has an empty list name`);
  return ok({ key: name === undefined ? "recent:*" : `recent:${name}`, holds: v === "hit" });
}

/** `--assume KEY=true|false` for any undecidable condition's key (as shown in the output). */
export function parseAssume(text: string): Parsed<AssumeRule> {
  const m = /^(.+)=(true|false|yes|no|hit|miss)$/i.exec(text);
  if (!m) return fail(`--assume: '${text}' is not KEY=true or KEY=false`);
  return ok({ key: m[1]!, holds: /^(true|yes|hit)$/i.test(m[2]!) });
}

/** The engine's `assume` function for a list of rules (exact keys first, then the longest prefix). */
export function assumeFunction(rules: readonly AssumeRule[]): ((key: string) => boolean | undefined) | undefined {
  if (rules.length === 0) return undefined;
  const exact = new Map<string, boolean>();
  const prefixes: [string, boolean][] = [];
  for (const r of rules) {
    if (r.key.endsWith("*")) prefixes.push([r.key.slice(0, -1), r.holds]);
    else exact.set(r.key, r.holds);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return (key) => exact.get(key) ?? prefixes.find(([p]) => key.startsWith(p))?.[1];
}
