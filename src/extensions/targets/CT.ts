/**
 * `-j CT` (iptables-extensions(8), "CT"): `--notrack`, `--helper name`, `--timeout name`, `--ctevents
 * event[,…]`, `--expevents new`, `--zone-orig|--zone-reply|--zone {id|mark}`. Sets up the conntrack
 * entry the packet will get (raw table, before conntrack sees it). Non-terminating.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `[--notrack] [--helper H] [--timeout T] [--ctevents …] [--expevents new] [--zone… Z]`
 *   whatever the input order; `-j CT` alone prints `-j CT`; `--notrack` does not drop the other options
 *   (`--notrack --helper ftp` stays);
 * - events print in the kernel's bit order (`mark,new` → `new,mark`): new, related, destroy, reply,
 *   assured, protoinfo, helper, mark, natseqinfo, secmark; names are lower-case ('Unknown event type
 *   "NEW"'); `--expevents` knows only `new`;
 * - zones: `--zone N` sets the id, `--zone-orig`/`--zone-reply` set the id and a direction; both
 *   directions (or none) print as `--zone`, one as `--zone-orig`/`--zone-reply`
 *   (`--zone-orig 5 --zone 6` → `--zone-orig 6`, `--zone-orig 5 --zone-reply 6` → `--zone 6`); id 0 is not
 *   printed; `mark` takes the zone from the packet mark; numbers in any base up to 65535 ("Cannot parse
 *   65536 as a zone ID"); each zone option at most once;
 * - the kernel refuses a helper it does not have for the rule's protocol (`--helper ftp` without `-p
 *   tcp`, `FTP`, `ftp-2121`: "RULE_APPEND failed (No such file or directory)"), and `--timeout NAME`
 *   unless a timeout policy NAME exists (`nfct add timeout`); `--helper ""` means no helper;
 * - placement: raw table only ("CT target: only valid in raw table, not mangle").
 */
import type { TargetBase } from "../../model/ast.js";
import { PROTO, protoName } from "../../net/packet.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { parseU32 } from "./mark-ops.js";
import { untracked } from "./NOTRACK.js";

export interface CtTarget extends TargetBase {
  readonly name: "CT";
  readonly notrack: boolean;
  readonly helper?: string;
  readonly timeout?: string;
  /** Event names in kernel bit order. */
  readonly ctEvents?: readonly string[];
  readonly expEvents?: readonly string[];
  /** Zone id, or `mark` (from the packet mark); 0 = default zone. */
  readonly zone: number | "mark";
  /** Direction flags of the zone (both false or both true: the whole connection). */
  readonly zoneOrig: boolean;
  readonly zoneReply: boolean;
}

export const CT_EVENTS: readonly string[] = ["new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark"];
export const EXP_EVENTS: readonly string[] = ["new"];

/** Helpers the kernel ships, with the protocols they are registered for. */
const HELPERS: Readonly<Record<string, readonly number[]>> = {
  ftp: [PROTO.tcp],
  irc: [PROTO.tcp],
  sip: [PROTO.tcp, PROTO.udp],
  tftp: [PROTO.udp],
  amanda: [PROTO.udp],
  "netbios-ns": [PROTO.udp],
  snmp: [PROTO.udp],
  pptp: [PROTO.tcp],
  sane: [PROTO.tcp],
  RAS: [PROTO.udp],
  "Q.931": [PROTO.tcp],
};

export const CT = defineTarget<CtTarget>({
  name: "CT",
  tables: ["raw"],
  options: [
    { name: "notrack", args: 0 },
    { name: "helper", args: 1 },
    { name: "timeout", args: 1 },
    { name: "ctevents", args: 1 },
    { name: "expevents", args: 1 },
    { name: "zone-orig", args: 1 },
    { name: "zone-reply", args: 1 },
    { name: "zone", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "CT");
    const events = (name: string, known: readonly string[]): string[] | undefined => {
      const occ = o.get(name);
      if (!occ) return undefined;
      const bad = (occ.values[0] ?? "").split(",").filter((e) => !known.includes(e));
      if (bad.length) ctx.error("bad-value", `CT: Unknown event type "${bad[0]}" (${known.join(", ")})`, occ.valueLocs[0] ?? occ.loc);
      const given = new Set((occ.values[0] ?? "").split(","));
      return known.filter((e) => given.has(e));
    };
    const ctEvents = events("ctevents", CT_EVENTS);
    const expEvents = events("expevents", EXP_EVENTS);

    let zone: number | "mark" = 0;
    let zoneOrig = false;
    let zoneReply = false;
    for (const occ of opts) {
      const n = occ.spec.name;
      if (n !== "zone" && n !== "zone-orig" && n !== "zone-reply") continue;
      if (n === "zone-orig") zoneOrig = true;
      if (n === "zone-reply") zoneReply = true;
      const text = occ.values[0] ?? "";
      if (text.toLowerCase() === "mark") zone = "mark";
      else {
        const v = parseU32(text);
        if (v === null || v > 65535) ctx.error("bad-value", `CT: Cannot parse ${text} as a zone ID (0-65535 or mark)`, occ.valueLocs[0] ?? occ.loc);
        else if (zone !== "mark") zone = v;
      }
    }

    let helper: string | undefined;
    const h = o.get("helper");
    if (h && (h.values[0] ?? "") !== "") {
      helper = h.values[0]!;
      const vloc = h.valueLocs[0] ?? h.loc;
      const p = ctx.protocol;
      const known = HELPERS[helper];
      if (!p || p.number === 0)
        ctx.error("ct-helper-needs-protocol", `CT: --helper ${helper} needs -p in the rule (the kernel looks the helper up by protocol and refuses the rule)`, vloc);
      else if (known && !known.includes(p.number))
        ctx.error("ct-unknown-helper", `CT: helper ${helper} does not exist for -p ${protoName(p.number)} (the kernel refuses the rule)`, vloc);
      else if (!known)
        ctx.warn("ct-unknown-helper", `CT: helper ${helper} is not one the kernel ships; the rule loads only if a user-space helper of that name is registered`, vloc);
    }
    const tm = o.get("timeout");
    const timeout = tm?.values[0];
    if (tm && timeout !== undefined)
      ctx.info("ct-timeout-policy", `CT: --timeout ${timeout} loads only if the timeout policy exists (nfct add timeout ${timeout} …)`, tm.valueLocs[0] ?? tm.loc);

    return {
      kind: "target",
      name: "CT",
      loc,
      notrack: o.has("notrack"),
      ...(helper !== undefined ? { helper } : {}),
      ...(timeout ? { timeout } : {}),
      ...(ctEvents && ctEvents.length ? { ctEvents } : {}),
      ...(expEvents && expEvents.length ? { expEvents } : {}),
      zone,
      zoneOrig,
      zoneReply,
    };
  },
  print(t) {
    const dir = t.zoneOrig === t.zoneReply ? "" : t.zoneOrig ? "-orig" : "-reply";
    return words(
      t.notrack && "--notrack",
      t.helper !== undefined && `--helper ${t.helper}`,
      t.timeout !== undefined && `--timeout ${t.timeout}`,
      t.ctEvents && `--ctevents ${t.ctEvents.join(",")}`,
      t.expEvents && `--expevents ${t.expEvents.join(",")}`,
      t.zone === "mark" ? `--zone${dir} mark` : t.zone !== 0 && `--zone${dir} ${t.zone}`,
    );
  },
  evaluate(t, pkt) {
    return t.notrack ? { kind: "continue", packet: untracked(pkt) } : { kind: "continue" };
  },
});
