/**
 * The contract every netfilter extension file fulfils (after libxtables: each match or target owns its
 * option table, parsing, printing and — here — evaluation). The AST builder only knows this interface;
 * adding `-m foo` means one new file under matches/ plus one line in ./index.ts.
 */
import type { Family, IpAddr } from "../net/addr.js";
import type { Packet } from "../net/packet.js";
import type { SymExpr } from "../space/expr.js";
import type { Hook, MatchBase, ProtoCond, SourceLoc, TableName, TargetBase } from "../model/ast.js";

// ---- Options --------------------------------------------------------------------------------------

export interface OptionSpec {
  /** Long name without dashes, as iptables-extensions(8) spells it: `dport`. */
  readonly name: string;
  /** Other accepted long names: `destination-port`. */
  readonly aliases?: readonly string[];
  /** How many words follow the option. */
  readonly args: number;
  /** Whether `! --name` is allowed. */
  readonly negatable?: boolean;
  /** Whether the option may appear more than once in one match (e.g. `--log-prefix` may not). */
  readonly repeatable?: boolean;
}

/** One occurrence of an option in a rule, with its values already unquoted. */
export interface OptionOccurrence {
  readonly spec: OptionSpec;
  /** As written, with dashes: `--destination-port`. */
  readonly written: string;
  readonly negated: boolean;
  readonly values: readonly string[];
  readonly loc: SourceLoc;
  readonly valueLocs: readonly SourceLoc[];
}

/** What an extension's decoder can see and report to. */
export interface DecodeContext {
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  /** The rule's `-p`, if any (tcp/udp/… matches check it, as the kernel does). */
  readonly protocol: ProtoCond | undefined;
  error(code: string, message: string, loc: SourceLoc): void;
  warn(code: string, message: string, loc: SourceLoc): void;
  info(code: string, message: string, loc: SourceLoc): void;
}

// ---- Evaluation -----------------------------------------------------------------------------------

/** Address types of `-m addrtype` (iptables-extensions(8)). */
export type AddrType =
  | "UNSPEC"
  | "UNICAST"
  | "LOCAL"
  | "BROADCAST"
  | "ANYCAST"
  | "MULTICAST"
  | "BLACKHOLE"
  | "UNREACHABLE"
  | "PROHIBIT"
  | "THROW"
  | "NAT"
  | "XRESOLVE";

/** The node around the packet: what the engine knows and extensions may ask. */
export interface EvalEnv {
  readonly table: TableName;
  readonly hook: Hook;
  /** Address types of `addr` as the routing table sees it (optionally limited to an interface). */
  addrTypes(addr: IpAddr, iface?: string): ReadonlySet<AddrType>;
  /** The address MASQUERADE would pick on `iface` (or REDIRECT on the input interface). */
  primaryAddress(family: Family, iface: string | undefined): IpAddr | undefined;
}

/**
 * Result of a match:
 * - a boolean when the packet decides it;
 * - `random`: matches with `probability` (statistic); the engine branches and multiplies;
 * - `unknown`: depends on state the dump does not hold (recent lists, ipsets, sockets, an unmodelled
 *   module). The engine branches both ways, each outcome labelled with `assumption`, unless the user
 *   fixed `key` to an answer.
 */
export type MatchEval =
  | boolean
  | { readonly kind: "random"; readonly probability: number }
  | { readonly kind: "unknown"; readonly key: string; readonly assumption: string };

export type NatKind = "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT";

/**
 * What a target does to the packet and the traversal:
 * - `continue`: non-terminating (MARK, CONNMARK, LOG, NFLOG, CT): the next rule runs, with `packet`
 *   replacing the current one when given;
 * - `accept` ends this table's traversal of the hook; `drop`/`reject` end the packet's journey;
 * - `nat`: the packet is rewritten and the nat chain traversal ends (like ACCEPT for this table);
 * - `unknown`: an unmodelled target; the engine reports it.
 */
export type TargetEffect =
  | { readonly kind: "continue"; readonly packet?: Packet }
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "reject"; readonly with: string }
  | { readonly kind: "queue"; readonly detail?: string }
  | { readonly kind: "return" }
  | { readonly kind: "nat"; readonly nat: NatKind; readonly packet: Packet; readonly detail: string }
  | { readonly kind: "unknown"; readonly detail: string };

// ---- Extensions ------------------------------------------------------------------------------------

export interface MatchExtension<N extends MatchBase = MatchBase> {
  /** The name after `-m`. */
  readonly name: N["module"];
  /** Other names that load the same module (`-m icmpv6` for `icmp6`). */
  readonly aliases?: readonly string[];
  /** Families it exists for (default both). */
  readonly families?: readonly Family[];
  readonly options: readonly OptionSpec[];
  /**
   * Build the typed node from the options given to this match (already dispatched to it). Report
   * problems through `ctx`; return null only when the match cannot be represented at all (the builder
   * then keeps it as an opaque match so nothing is lost).
   */
  decode(opts: readonly OptionOccurrence[], ctx: DecodeContext, loc: SourceLoc, implicit: boolean): N | null;
  /** The canonical `iptables-save` words after `-m name` (may be empty). */
  print(node: N, family: Family): string;
  evaluate(node: N, pkt: Packet, env: EvalEnv): MatchEval;
  /**
   * The packets the match takes, in the vocabulary of src/space/expr.ts (`opaque` for what it cannot
   * say); it must agree with `evaluate` (test/space/rule.test.ts checks it). Optional: without it the
   * match is opaque to the space, so lint and diff treat rules using it as inexact.
   */
  space?(node: N, family: Family): SymExpr;
}

export interface TargetExtension<N extends TargetBase = TargetBase> {
  /** The name after `-j`. */
  readonly name: N["name"];
  readonly aliases?: readonly string[];
  readonly families?: readonly Family[];
  readonly options: readonly OptionSpec[];
  /** Tables the kernel accepts it in (undefined: all). */
  readonly tables?: readonly TableName[];
  /** Hooks the kernel accepts it from (undefined: all), checked through jumps. */
  readonly hooks?: readonly Hook[];
  decode(opts: readonly OptionOccurrence[], ctx: DecodeContext, loc: SourceLoc): N | null;
  /** The canonical words after `-j NAME` (may be empty). */
  print(node: N, family: Family): string;
  evaluate(node: N, pkt: Packet, env: EvalEnv): TargetEffect;
}

/** Identity helpers that fix the node type parameter (and keep extension files short). */
export function defineMatch<N extends MatchBase>(ext: MatchExtension<N>): MatchExtension<N> {
  return ext;
}
export function defineTarget<N extends TargetBase>(ext: TargetExtension<N>): TargetExtension<N> {
  return ext;
}

export type MatchNodeOf<E> = E extends MatchExtension<infer N> ? N : never;
export type TargetNodeOf<E> = E extends TargetExtension<infer N> ? N : never;
