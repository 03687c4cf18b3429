/**
 * The one list of extensions. Adding an extension: write matches/<name>.ts or targets/<NAME>.ts and add
 * it here; nothing else changes.
 */
import type { MatchExtension, MatchNodeOf, TargetExtension, TargetNodeOf } from "./types.js";
import type { MatchBase, TargetBase } from "../model/ast.js";
import { tcp } from "./matches/tcp.js";
import { udp } from "./matches/udp.js";
import { comment } from "./matches/comment.js";
import { DNAT } from "./targets/DNAT.js";

export const matchExtensions = [tcp, udp, comment] as const;
export const targetExtensions = [DNAT] as const;

export type KnownMatch = MatchNodeOf<(typeof matchExtensions)[number]>;
export type KnownTarget = TargetNodeOf<(typeof targetExtensions)[number]>;

const matchByName = new Map<string, MatchExtension<MatchBase>>();
for (const m of matchExtensions as readonly MatchExtension<any>[]) {
  matchByName.set(m.name, m);
  for (const a of m.aliases ?? []) matchByName.set(a, m);
}
const targetByName = new Map<string, TargetExtension<TargetBase>>();
for (const t of targetExtensions as readonly TargetExtension<any>[]) {
  targetByName.set(t.name, t);
  for (const a of t.aliases ?? []) targetByName.set(a, t);
}

export function findMatchExtension(name: string): MatchExtension<MatchBase> | undefined {
  return matchByName.get(name);
}
export function findTargetExtension(name: string): TargetExtension<TargetBase> | undefined {
  return targetByName.get(name);
}

/**
 * Target names iptables knows but this tool does not model (kept opaque with an info diagnostic rather
 * than mistaken for a jump to an undefined chain).
 */
export const KNOWN_UNMODELLED_TARGETS: ReadonlySet<string> = new Set([
  "TPROXY", "TEE", "TCPMSS", "TRACE", "AUDIT", "CHECKSUM", "CLASSIFY", "CONNSECMARK", "SECMARK", "DSCP",
  "ECN", "HL", "HMARK", "IDLETIMER", "LED", "NETMAP", "NFQUEUE", "RATEEST", "SET", "SYNPROXY", "TOS",
  "TTL", "ULOG", "CLUSTERIP", "CONNMARK", "LOG", "NFLOG", "MARK", "CT", "NOTRACK", "REJECT", "SNAT",
  "MASQUERADE", "REDIRECT", "DNPT", "SNPT", "TCPOPTSTRIP", "IPMARK", "XDP",
]);
