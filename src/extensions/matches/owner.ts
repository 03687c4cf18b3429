/**
 * `-m owner` (iptables-extensions(8), "owner"): the local socket that sent the packet.
 * `[!] --uid-owner UID[-UID]`, `[!] --gid-owner GID[-GID]`, `--suppl-groups`, `[!] --socket-exists`.
 * The kernel accepts it only in OUTPUT and POSTROUTING.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - order `--socket-exists`, `--uid-owner`, `--gid-owner`, `--suppl-groups`, `! ` before each;
 * - user and group names become numbers (`root` → `0`); `1000-1000` → `1000`, `1000-2000` stays;
 *   `2000-1000` is refused by the kernel; 4294967295 (-1) is refused;
 * - `--suppl-groups` needs `--gid-owner`; at least one of --uid-owner, --gid-owner, --socket-exists.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type DecodeContext, type MatchEval, type OptionOccurrence } from "../types.js";
import { byName, neg, words } from "../util.js";
import { allOf, checkHooks, parseCUint, unknown } from "./common.js";

export interface OwnerIdCond {
  readonly negated: boolean;
  readonly lo: number;
  readonly hi: number;
  /** A user/group name iptables would resolve through the host's passwd/group files, kept as written. */
  readonly name?: string;
}

export interface OwnerMatch extends MatchBase {
  readonly module: "owner";
  readonly uid?: OwnerIdCond;
  readonly gid?: OwnerIdCond;
  readonly supplGroups: boolean;
  readonly socketExists?: { readonly negated: boolean };
}

/** Names every Linux system has; others depend on the host. */
const WELL_KNOWN: Readonly<Record<string, number>> = { root: 0 };

function decodeId(o: OptionOccurrence, ctx: DecodeContext, kind: "user" | "group"): OwnerIdCond | undefined {
  const text = o.values[0]!;
  const vloc = o.valueLocs[0] ?? o.loc;
  const dash = text.indexOf("-");
  if (dash > 0) {
    const lo = parseCUint(text.slice(0, dash), 0xfffffffe);
    const hi = parseCUint(text.slice(dash + 1), 0xfffffffe);
    if (lo === null || hi === null) {
      ctx.error("bad-value", `owner: bad value for ${o.written}: '${text}'`, vloc);
      return undefined;
    }
    if (lo > hi) ctx.error("bad-value", `owner: ${o.written} range ${text} is inverted (the kernel refuses it)`, vloc);
    return { negated: o.negated, lo, hi };
  }
  const n = parseCUint(text, 0xfffffffe);
  if (n !== null) return { negated: o.negated, lo: n, hi: n };
  if (/^\d/.test(text) || text === "") {
    ctx.error("bad-value", `owner: bad value for ${o.written}: '${text}'`, vloc);
    return undefined;
  }
  const known = WELL_KNOWN[text];
  if (known !== undefined) return { negated: o.negated, lo: known, hi: known };
  ctx.warn("host-dependent", `owner: ${kind} name '${text}' is resolved on the host by iptables; iptlens keeps the name`, vloc);
  return { negated: o.negated, lo: 0, hi: 0, name: text };
}

function formatId(c: OwnerIdCond): string {
  if (c.name !== undefined) return c.name;
  return c.lo === c.hi ? String(c.lo) : `${c.lo}-${c.hi}`;
}

export const owner = defineMatch<OwnerMatch>({
  name: "owner",
  options: [
    { name: "uid-owner", args: 1, negatable: true },
    { name: "gid-owner", args: 1, negatable: true },
    { name: "suppl-groups", args: 0 },
    { name: "socket-exists", args: 0, negatable: true },
  ],
  decode(opts, ctx, loc) {
    checkHooks(ctx, "owner", ["OUTPUT", "POSTROUTING"], loc);
    const o = byName(opts, ctx, "owner");
    const node: { -readonly [K in keyof OwnerMatch]: OwnerMatch[K] } = { kind: "match", module: "owner", loc, supplGroups: false };
    const u = o.get("uid-owner");
    const g = o.get("gid-owner");
    const s = o.get("socket-exists");
    const sg = o.get("suppl-groups");
    if (!u && !g && !s) ctx.error("missing-option", "owner: at least one of --uid-owner, --gid-owner or --socket-exists is required", loc);
    if (u) node.uid = decodeId(u, ctx, "user");
    if (g) node.gid = decodeId(g, ctx, "group");
    if (s) node.socketExists = { negated: s.negated };
    if (sg) {
      if (!g) ctx.error("missing-option", "owner: --suppl-groups needs --gid-owner", sg.loc);
      else node.supplGroups = true;
    }
    return node;
  },
  print(m) {
    return words(
      m.socketExists && `${neg(m.socketExists.negated)}--socket-exists`,
      m.uid && `${neg(m.uid.negated)}--uid-owner ${formatId(m.uid)}`,
      m.gid && `${neg(m.gid.negated)}--gid-owner ${formatId(m.gid)}`,
      m.supplGroups && "--suppl-groups",
    );
  },
  evaluate(m, pkt) {
    const conds = [m.socketExists, m.uid, m.gid].filter((c): c is NonNullable<typeof c> => c !== undefined);
    // Without a socket (forwarded traffic, or none recorded) xt_owner matches only when every given
    // condition is negated.
    if (pkt.uid === undefined && pkt.gid === undefined) return conds.every((c) => c.negated);
    const parts: MatchEval[] = [];
    if (m.socketExists) parts.push(!m.socketExists.negated);
    const idTest = (c: OwnerIdCond, id: number | undefined, what: string): MatchEval => {
      if (c.name !== undefined || id === undefined)
        return unknown(`owner:${what} ${formatId(c)}`, `the sending socket's ${what} is ${formatId(c)}`, c.negated);
      return (id >= c.lo && id <= c.hi) !== c.negated;
    };
    if (m.uid) parts.push(idTest(m.uid, pkt.uid, "uid"));
    if (m.gid) {
      let r = idTest(m.gid, pkt.gid, "gid");
      // Deviation: supplementary groups are not recorded; a miss on the primary group is unknown.
      if (m.supplGroups && r === m.gid.negated)
        r = unknown(`owner:gid ${formatId(m.gid)} (supplementary)`, `the sending socket's supplementary groups include ${formatId(m.gid)}`, m.gid.negated);
      parts.push(r);
    }
    return allOf(parts);
  },
});
