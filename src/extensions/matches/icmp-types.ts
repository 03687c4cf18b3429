/**
 * ICMP and ICMPv6 type names as libxtables knows them (extensions/libxt_icmp.h), shared by the icmp and
 * icmp6 matches (not an extension itself). A name stands for a type and a code range; iptables-save
 * prints numbers only.
 */
import { parseCUint } from "./common.js";

export interface IcmpName {
  readonly name: string;
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

const n = (name: string, type: number, codeMin = 0, codeMax = 0xff): IcmpName => ({ name, type, codeMin, codeMax });
const c = (name: string, type: number, code: number): IcmpName => n(name, type, code, code);

/** In libxt_icmp.h order (lookup takes the first name the word is a prefix of; a second is ambiguous). */
export const ICMP_NAMES: readonly IcmpName[] = [
  n("any", 0xff),
  n("echo-reply", 0),
  n("pong", 0),
  n("destination-unreachable", 3),
  c("network-unreachable", 3, 0),
  c("host-unreachable", 3, 1),
  c("protocol-unreachable", 3, 2),
  c("port-unreachable", 3, 3),
  c("fragmentation-needed", 3, 4),
  c("source-route-failed", 3, 5),
  c("network-unknown", 3, 6),
  c("host-unknown", 3, 7),
  c("network-prohibited", 3, 9),
  c("host-prohibited", 3, 10),
  c("TOS-network-unreachable", 3, 11),
  c("TOS-host-unreachable", 3, 12),
  c("communication-prohibited", 3, 13),
  c("host-precedence-violation", 3, 14),
  c("precedence-cutoff", 3, 15),
  n("source-quench", 4),
  n("redirect", 5),
  c("network-redirect", 5, 0),
  c("host-redirect", 5, 1),
  c("TOS-network-redirect", 5, 2),
  c("TOS-host-redirect", 5, 3),
  n("echo-request", 8),
  n("ping", 8),
  n("router-advertisement", 9),
  n("router-solicitation", 10),
  n("time-exceeded", 11),
  n("ttl-exceeded", 11),
  c("ttl-zero-during-transit", 11, 0),
  c("ttl-zero-during-reassembly", 11, 1),
  n("parameter-problem", 12),
  c("ip-header-bad", 12, 0),
  c("required-option-missing", 12, 1),
  n("timestamp-request", 13),
  n("timestamp-reply", 14),
  n("address-mask-request", 17),
  n("address-mask-reply", 18),
];

export const ICMPV6_NAMES: readonly IcmpName[] = [
  n("destination-unreachable", 1),
  c("no-route", 1, 0),
  c("communication-prohibited", 1, 1),
  c("beyond-scope", 1, 2),
  c("address-unreachable", 1, 3),
  c("port-unreachable", 1, 4),
  c("failed-policy", 1, 5),
  c("reject-route", 1, 6),
  n("packet-too-big", 2),
  n("time-exceeded", 3),
  n("ttl-exceeded", 3),
  c("ttl-zero-during-transit", 3, 0),
  c("ttl-zero-during-reassembly", 3, 1),
  n("parameter-problem", 4),
  c("bad-header", 4, 0),
  c("unknown-header-type", 4, 1),
  c("unknown-option", 4, 2),
  n("echo-request", 128),
  n("ping", 128),
  n("echo-reply", 129),
  n("pong", 129),
  n("router-solicitation", 133),
  n("router-advertisement", 134),
  n("neighbour-solicitation", 135),
  n("neighbor-solicitation", 135),
  n("neighbour-advertisement", 136),
  n("neighbor-advertisement", 136),
  n("redirect", 137),
];

export interface IcmpSpec {
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

/**
 * `name`, `type` or `type/code` as parse_icmp / parse_icmpv6 read them: a case-insensitive prefix of a
 * name (ambiguous prefixes are refused), else numbers (strtoul base 0, at most 255). A bare type means
 * every code (0-255). Returns an iptables-style message on error.
 */
export function parseIcmpType(text: string, names: readonly IcmpName[], what: "ICMP" | "ICMPv6"): IcmpSpec | string {
  const lower = text.toLowerCase();
  let found: IcmpName | undefined;
  if (text !== "") {
    for (const e of names) {
      if (!e.name.toLowerCase().startsWith(lower)) continue;
      if (found) return `ambiguous ${what} type '${text}': '${found.name}' or '${e.name}'?`;
      found = e;
    }
  }
  if (found) return { type: found.type, codeMin: found.codeMin, codeMax: found.codeMax };
  const slash = text.indexOf("/");
  const typeText = slash < 0 ? text : text.slice(0, slash);
  const type = parseCUint(typeText, 255);
  if (type === null) return `unknown ${what} type '${text}'`;
  if (slash < 0) return { type, codeMin: 0, codeMax: 0xff };
  const code = parseCUint(text.slice(slash + 1), 255);
  if (code === null) return `unknown ${what} code '${text}'`;
  return { type, codeMin: code, codeMax: code };
}

/** `type` or `type/code` as the save functions print it (the code only when it is not 0-255). */
export function formatIcmpType(s: IcmpSpec): string {
  return s.codeMin !== 0 || s.codeMax !== 0xff ? `${s.type}/${s.codeMin}` : String(s.type);
}
