/**
 * The one list of extensions. Adding an extension: write matches/<name>.ts or targets/<NAME>.ts and add
 * it here; nothing else changes.
 */
import type { MatchExtension, MatchNodeOf, TargetExtension, TargetNodeOf } from "./types.js";
import type { MatchBase, TargetBase } from "../model/ast.js";
import { tcp } from "./matches/tcp.js";
import { udp } from "./matches/udp.js";
import { comment } from "./matches/comment.js";
import { sctp } from "./matches/sctp.js";
import { icmp } from "./matches/icmp.js";
import { icmp6 } from "./matches/icmp6.js";
import { addrtype } from "./matches/addrtype.js";
import { physdev } from "./matches/physdev.js";
import { statistic } from "./matches/statistic.js";
import { mark } from "./matches/mark.js";
import { connmark } from "./matches/connmark.js";
import { conntrack } from "./matches/conntrack.js";
import { state } from "./matches/state.js";
import { multiport } from "./matches/multiport.js";
import { recent } from "./matches/recent.js";
import { set } from "./matches/set.js";
import { iprange } from "./matches/iprange.js";
import { mac } from "./matches/mac.js";
import { limit } from "./matches/limit.js";
import { owner } from "./matches/owner.js";
import { nfacct } from "./matches/nfacct.js";
import { socket } from "./matches/socket.js";
import { rpfilter } from "./matches/rpfilter.js";
import { length } from "./matches/length.js";
import { pkttype } from "./matches/pkttype.js";
import { ttl } from "./matches/ttl.js";
import { hl } from "./matches/hl.js";
import { dscp } from "./matches/dscp.js";
import { tos } from "./matches/tos.js";
import { helper } from "./matches/helper.js";
import { string } from "./matches/string.js";
import { connlimit } from "./matches/connlimit.js";
import { ipv6header } from "./matches/ipv6header.js";
import { u32 } from "./matches/u32.js";
import { hashlimit } from "./matches/hashlimit.js";
import { devgroup } from "./matches/devgroup.js";
import { policy } from "./matches/policy.js";
import { esp } from "./matches/esp.js";
import { ah } from "./matches/ah.js";
import { dccp } from "./matches/dccp.js";
import { cgroup } from "./matches/cgroup.js";
import { connbytes } from "./matches/connbytes.js";
import { quota } from "./matches/quota.js";
import { time } from "./matches/time.js";
import { frag } from "./matches/frag.js";
import { hbh } from "./matches/hbh.js";
import { dst } from "./matches/dst.js";
import { rt } from "./matches/rt.js";
import { mh } from "./matches/mh.js";
import { cluster } from "./matches/cluster.js";
import { DNAT } from "./targets/DNAT.js";
import { SNAT } from "./targets/SNAT.js";
import { MASQUERADE } from "./targets/MASQUERADE.js";
import { REDIRECT } from "./targets/REDIRECT.js";
import { REJECT } from "./targets/REJECT.js";
import { MARK } from "./targets/MARK.js";
import { CONNMARK } from "./targets/CONNMARK.js";
import { LOG } from "./targets/LOG.js";
import { NFLOG } from "./targets/NFLOG.js";
import { NOTRACK } from "./targets/NOTRACK.js";
import { CT } from "./targets/CT.js";
import { TCPMSS } from "./targets/TCPMSS.js";
import { NFQUEUE } from "./targets/NFQUEUE.js";
import { TPROXY } from "./targets/TPROXY.js";
import { CHECKSUM } from "./targets/CHECKSUM.js";
import { TTL } from "./targets/TTL.js";
import { HL } from "./targets/HL.js";
import { DSCP } from "./targets/DSCP.js";
import { TOS } from "./targets/TOS.js";
import { CLASSIFY } from "./targets/CLASSIFY.js";
import { SET } from "./targets/SET.js";

export const matchExtensions = [
  tcp, udp, comment, sctp, icmp, icmp6, addrtype, physdev, statistic, mark, connmark, conntrack, state, multiport, recent, set, iprange, mac, limit, owner, nfacct, socket,
  rpfilter, length, pkttype, ttl, hl, dscp, tos, helper, string, connlimit, ipv6header,
  u32, hashlimit, devgroup, policy, esp, ah, dccp, cgroup, connbytes, quota, time, frag, hbh, dst, rt, mh, cluster,
] as const;
export const targetExtensions = [
  DNAT, SNAT, MASQUERADE, REDIRECT, REJECT, MARK, CONNMARK, LOG, NFLOG, NOTRACK, CT,
  TCPMSS, NFQUEUE, TPROXY, CHECKSUM, TTL, HL, DSCP, TOS, CLASSIFY, SET,
] as const;

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
  "TEE", "TRACE", "AUDIT", "CONNSECMARK", "SECMARK", "ECN", "HMARK", "IDLETIMER", "LED", "NETMAP",
  "RATEEST", "SYNPROXY", "ULOG", "CLUSTERIP", "DNPT", "SNPT", "TCPOPTSTRIP", "IPMARK", "XDP",
]);
