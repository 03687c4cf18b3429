/**
 * The engine's vocabulary: what goes in (a packet description and the node around it) and what comes
 * out (outcomes with their probability, assumptions and the exact trace of matched rules).
 */
import type { Family, IpAddr } from "../net/addr.js";
import type { CtStatus, Packet } from "../net/packet.js";
import type { Hook, Policy, TableName } from "../model/ast.js";
import type { NatKind } from "../extensions/types.js";

/** Where a packet comes from: the wire (`external`), a pod interface (`pod`) or a local socket (`host`). */
export type Origin = "external" | "pod" | "host";
export const ORIGINS: readonly Origin[] = ["external", "pod", "host"];

/** A packet as the user describes it; `makePacket` fills in the defaults. */
export interface PacketSpec {
  readonly src: IpAddr;
  readonly dst: IpAddr;
  /** IANA number (0 is not a real protocol; use a number the packet carries). */
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** TCP flag bits (TCP_FLAGS); default SYN. */
  readonly tcpFlags?: number;
  /** Default `external`. */
  readonly from?: Origin;
  /** Input interface; default by origin (NodeContext.externalIface / podIface, none for host). */
  readonly inIface?: string;
  readonly mark?: number;
  readonly connmark?: number;
  /** Default NEW. */
  readonly ctState?: Packet["ctState"];
  /** Default: none for NEW, SEEN_REPLY+CONFIRMED for ESTABLISHED, CONFIRMED otherwise. */
  readonly ctStatus?: readonly CtStatus[];
  /** Bridge port the packet entered on (physdev); implies a bridged packet unless `bridged` is false. */
  readonly physdevIn?: string;
  readonly bridged?: boolean;
  readonly fragment?: boolean;
  readonly length?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface Route {
  readonly family: Family;
  /** Network address (masked) and prefix length. */
  readonly addr: bigint;
  readonly prefixLen: number;
  readonly iface: string;
}

export interface LocalAddress {
  readonly addr: IpAddr;
  /** Interface it is configured on, when known (MASQUERADE picks it for that interface). */
  readonly iface?: string;
  /** Prefix length of the address's subnet, when known: its broadcast address is then local too. */
  readonly prefixLen?: number;
}

/** What the engine knows about the node. Build one with `makeNodeContext`. */
export interface NodeContext {
  /** Node addresses (`--node-ip`); 127.0.0.0/8 and ::1 are always local as well. */
  readonly localAddresses: readonly LocalAddress[];
  /** Longest prefix wins; the defaults `0.0.0.0/0` and `::/0` via `externalIface` come last. */
  readonly routes: readonly Route[];
  /** Default input interface of `--from external` packets (default `eth0`). */
  readonly externalIface: string;
  /** Default input interface of `--from pod` packets (default `cni0`). */
  readonly podIface: string;
}

// ---- Results ----------------------------------------------------------------------------------------

/** A rule whose conditions all matched (its counter would go up), or a built-in chain's policy deciding. */
export type TraceStep = RuleStep | PolicyStep;

export interface RuleStep {
  readonly table: TableName;
  /** The hook this traversal started from (the built-in chain), for reading; not part of the rule's identity. */
  readonly hook: Hook;
  readonly chain: string;
  /** 1-based position in its chain (`iptables -L --line-numbers`). */
  readonly index: number;
  /** Line of the rule in the dump. */
  readonly line: number;
}

export interface PolicyStep {
  readonly table: TableName;
  readonly hook: Hook;
  readonly chain: string;
  readonly policy: Policy;
}

export function isPolicyStep(s: TraceStep): s is PolicyStep {
  return "policy" in s;
}

/** A rule that was tested and did not match (verbose mode), with the first condition that failed. */
export interface FailedStep extends RuleStep {
  readonly failed: string;
}

/** One assumption an outcome depends on: the answer given to an undecidable match. */
export interface Assumption {
  /** Stable key from the extension (`recent:…`, `opaque:…`); the same key always gets the same answer. */
  readonly key: string;
  /** Whether the condition is assumed to hold. */
  readonly holds: boolean;
  /** Human text of the condition (what "holds" means). */
  readonly text: string;
  /** Whether the user fixed it (`assume`), rather than the engine branching on it. */
  readonly given: boolean;
}

export interface NatEndpoints {
  readonly src: IpAddr;
  readonly sport: number | undefined;
  readonly dst: IpAddr;
  readonly dport: number | undefined;
}

/** A NAT target that rewrote the packet. */
export interface NatEvent extends RuleStep {
  readonly kind: NatKind;
  readonly detail: string;
  readonly before: NatEndpoints;
  readonly after: NatEndpoints;
}

export type Verdict = "ACCEPT" | "DROP" | "REJECT" | "QUEUE" | "UNKNOWN";

/** Where an accepted packet goes: a local socket, out of an interface (forwarded or locally sent), or nowhere. */
export type Delivery = "local" | "forward" | "output" | "none";

/** The rule or policy that decided: for ACCEPT the DNAT rule if any, else the last explicit ACCEPT rule. */
export type Decision = (RuleStep & { readonly action: string }) | (PolicyStep & { readonly action: string });

/** A rule that would have matched but for exactly one condition. */
export interface NearMiss extends RuleStep {
  /** The condition that failed, as iptables-save spells it (`-p tcp`, `-m udp --dport 53`). */
  readonly condition: string;
  /** What the rule would have done (`-j KUBE-SVC-…`, `-j DNAT …`). */
  readonly target: string;
}

export interface Outcome {
  /** Product of the statistic branches along the path; see the design note in ./index.ts for assumptions. */
  readonly probability: number;
  readonly verdict: Verdict;
  /** For REJECT: the `--reject-with` type. */
  readonly rejectWith?: string | undefined;
  readonly delivery: Delivery;
  /** Output interface for `forward`/`output`; `lo` for locally generated packets delivered locally. */
  readonly outIface?: string | undefined;
  /** The packet as it leaves the last hook it reached (after NAT). */
  readonly packet: Packet;
  readonly nat: readonly NatEvent[];
  /** Whether SNAT/MASQUERADE rewrote the source (the endpoint does not see the client's address). */
  readonly masquerade: boolean;
  readonly decision: Decision | null;
  readonly assumptions: readonly Assumption[];
  /** Every matched rule and deciding policy, in evaluation order. */
  readonly trace: readonly TraceStep[];
  /** Verbose mode: rules tested that did not match, in evaluation order. */
  readonly failed?: readonly FailedStep[] | undefined;
  /** Near misses seen along this path (detailed mode). */
  readonly nearMisses?: readonly NearMiss[] | undefined;
  /** Facts about this path the reader should know (nat skipped, unmodelled target, …). */
  readonly notes: readonly string[];
  /**
   * When several paths led to the same outcome they are merged (probabilities added); the first path's
   * trace is `trace`, the others are listed here so that each kernel path can still be recognised.
   */
  readonly alternatives?: readonly { readonly probability: number; readonly trace: readonly TraceStep[] }[];
}

export interface EngineDiagnostic {
  readonly code: string;
  readonly severity: "error" | "warning" | "info";
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export interface Evaluation {
  /** The packet as it entered the first hook (defaults filled in). */
  readonly packet: Packet;
  readonly origin: Origin;
  readonly outcomes: readonly Outcome[];
  readonly diagnostics: readonly EngineDiagnostic[];
  /** Facts about the evaluation as a whole (nat skipped because the packet is not NEW, …). */
  readonly notes: readonly string[];
}

export interface EvaluateOptions {
  /** Record rules tested that failed (forces the sequential walk). */
  readonly verbose?: boolean;
  /** Record near misses (forces the sequential walk). */
  readonly nearMisses?: boolean;
  /**
   * Fixed answers for undecidable matches, by key (a key `!k` is answered as the negation of `k`).
   * A function may answer only some keys (return undefined for the rest).
   */
  readonly assume?: Readonly<Record<string, boolean>> | ((key: string) => boolean | undefined);
  /** Most paths followed before the rest are cut short as UNKNOWN (default 4096). */
  readonly maxPaths?: number;
}
