/**
 * The vocabulary of symbolic packet conditions: plain data that says which packets a condition takes,
 * field by field. Extension files describe their match with it (`MatchExtension.space`), src/space
 * turns it into sets (`compile`). It imports nothing, so that any layer may speak it.
 *
 * Fields (what a packet is made of, for src/space):
 * - `src`, `dst`: addresses as integers (IPv4 32 bits, IPv6 128 bits);
 * - `proto`: the IP protocol number 0-255 (the upper-layer header ip6tables finds);
 * - `sport`, `dport`: transport ports 0-65535 (free for protocols without ports);
 * - `icmp`: ICMP/ICMPv6 `type << 8 | code`;
 * - `frag`: `first` (unfragmented or first fragment) or `later` (`-f`);
 * - `tcpFlags`: the TCP flags byte (FIN=1 … CWR=128);
 * - `inIface`, `outIface`: interface names ("" when there is none, e.g. no input device in OUTPUT);
 * - `mark`, `connmark`: 32-bit skb mark and connection mark;
 * - `ctstate`: NEW/ESTABLISHED/RELATED/INVALID/UNTRACKED plus the SNAT/DNAT status of the connection;
 * - `ctstatus`: the EXPECTED/SEEN_REPLY/ASSURED/CONFIRMED bits;
 * - `srcType`, `dstType`: the routing address types of the addresses (`-m addrtype`).
 */

export type RangeField = "src" | "dst" | "proto" | "sport" | "dport" | "icmp";
export type MaskField = "mark" | "connmark";
export type IfaceField = "inIface" | "outIface";
export type EnumField = "frag" | "ctstate" | "ctstatus" | "srcType" | "dstType";
export type SymField = RangeField | MaskField | IfaceField | EnumField | "tcpFlags";

export type SymExpr =
  /** Every packet. */
  | { readonly op: "true" }
  /** No packet. */
  | { readonly op: "false" }
  /**
   * A condition sets cannot represent (ipset membership, recent lists, a random draw, an unmodelled
   * module). Reasoning treats it as "maybe": it widens what a rule may match and forbids using the rule
   * as proof that packets were taken.
   */
  | { readonly op: "opaque"; readonly reason: string }
  | { readonly op: "and"; readonly args: readonly SymExpr[] }
  | { readonly op: "or"; readonly args: readonly SymExpr[] }
  | { readonly op: "not"; readonly arg: SymExpr }
  /** lo ≤ field ≤ hi (inclusive). */
  | { readonly op: "range"; readonly field: RangeField; readonly lo: bigint; readonly hi: bigint }
  /** (field & mask) == value. */
  | { readonly op: "masked"; readonly field: MaskField; readonly value: number; readonly mask: number }
  /** The interface is `name` (or, with `prefix`, starts with it: `eth+`). */
  | { readonly op: "iface"; readonly field: IfaceField; readonly name: string; readonly prefix: boolean }
  /** (tcp flags & mask) == comp. */
  | { readonly op: "flags"; readonly mask: number; readonly comp: number }
  /**
   * The packet has one of these values: for `frag` one of first/later; for `ctstate` one of the state
   * words (a packet of a DNATed connection has both its state and DNAT); for `ctstatus`, `srcType`,
   * `dstType` one of the bits its set carries.
   */
  | { readonly op: "oneOf"; readonly field: EnumField; readonly values: readonly string[] };

export const TRUE: SymExpr = { op: "true" };
export const FALSE: SymExpr = { op: "false" };

export function and(...args: SymExpr[]): SymExpr {
  const a = args.filter((x) => x.op !== "true");
  if (a.some((x) => x.op === "false")) return FALSE;
  return a.length === 0 ? TRUE : a.length === 1 ? a[0]! : { op: "and", args: a };
}

export function or(...args: SymExpr[]): SymExpr {
  const a = args.filter((x) => x.op !== "false");
  if (a.some((x) => x.op === "true")) return TRUE;
  return a.length === 0 ? FALSE : a.length === 1 ? a[0]! : { op: "or", args: a };
}

export function not(arg: SymExpr, negated = true): SymExpr {
  if (!negated) return arg;
  if (arg.op === "true") return FALSE;
  if (arg.op === "false") return TRUE;
  if (arg.op === "not") return arg.arg;
  return { op: "not", arg };
}

export function opaque(reason: string): SymExpr {
  return { op: "opaque", reason };
}

export function range(field: RangeField, lo: number | bigint, hi: number | bigint = lo): SymExpr {
  return { op: "range", field, lo: BigInt(lo), hi: BigInt(hi) };
}

export function masked(field: MaskField, value: number, mask: number): SymExpr {
  return { op: "masked", field, value: (value & mask) >>> 0, mask: mask >>> 0 };
}

export function oneOf(field: EnumField, values: readonly string[]): SymExpr {
  return { op: "oneOf", field, values };
}
