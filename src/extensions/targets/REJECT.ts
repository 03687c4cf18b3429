/**
 * `-j REJECT` (iptables-extensions(8), "REJECT (IPv4)" / "REJECT (IPv6)"): `--reject-with type`.
 * Like DROP, but answers with an ICMP error or (for `-p tcp`) a TCP RST.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - iptables-save always prints `--reject-with`, the default being `icmp-port-unreachable` (IPv6
 *   `icmp6-port-unreachable`); aliases print as the full name (`port-unreach` → `icmp-port-unreachable`,
 *   `tcp-rst` → `tcp-reset`);
 * - the type is matched case-insensitively as a *prefix* of a name or alias, first in libxt's table order
 *   winning: `icmp` → `icmp-net-unreachable`, `h` → `icmp-host-unreachable`, `p` → IPv4
 *   `icmp-proto-unreachable` / IPv6 `icmp6-port-unreachable`, `""` → the first entry;
 * - IPv4 `echo-reply` (and any prefix of it, e.g. `e`) is refused: "--reject-with echo-reply no longer
 *   supported" then 'unknown reject type "e"'; IPv6 has no `tcp-rst` alias;
 * - `tcp-reset` needs `-p tcp` not negated, else the kernel refuses the rule ("ipt_REJECT: TCP_RESET
 *   invalid for non-tcp" in the kernel log; iptables-restore says only "RULE_APPEND failed (Invalid
 *   argument)" / "line N failed");
 * - placement: filter table only (this kernel refuses raw, mangle, nat and security: "REJECT target: only
 *   valid in filter table, not mangle"), from INPUT, FORWARD and OUTPUT.
 */
import type { Family } from "../../net/addr.js";
import type { TargetBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineTarget } from "../types.js";
import { byName } from "../util.js";

export type RejectType4 =
  | "icmp-net-unreachable"
  | "icmp-host-unreachable"
  | "icmp-proto-unreachable"
  | "icmp-port-unreachable"
  | "icmp-net-prohibited"
  | "icmp-host-prohibited"
  | "tcp-reset"
  | "icmp-admin-prohibited";
export type RejectType6 =
  | "icmp6-no-route"
  | "icmp6-adm-prohibited"
  | "icmp6-addr-unreachable"
  | "icmp6-port-unreachable"
  | "tcp-reset"
  | "icmp6-policy-fail"
  | "icmp6-reject-route";
export type RejectType = RejectType4 | RejectType6;

export interface RejectTarget extends TargetBase {
  readonly name: "REJECT";
  readonly with: RejectType;
}

/** libipt_REJECT's table, in its order (echo-reply is in it, and refused). */
const TABLE4: readonly (readonly [string, string])[] = [
  ["icmp-net-unreachable", "net-unreach"],
  ["icmp-host-unreachable", "host-unreach"],
  ["icmp-proto-unreachable", "proto-unreach"],
  ["icmp-port-unreachable", "port-unreach"],
  ["echo-reply", "echoreply"],
  ["icmp-net-prohibited", "net-prohib"],
  ["icmp-host-prohibited", "host-prohib"],
  ["tcp-reset", "tcp-rst"],
  ["icmp-admin-prohibited", "admin-prohib"],
];
/** libip6t_REJECT's table, in its order. */
const TABLE6: readonly (readonly [string, string])[] = [
  ["icmp6-no-route", "no-route"],
  ["icmp6-adm-prohibited", "adm-prohibited"],
  ["icmp6-addr-unreachable", "addr-unreach"],
  ["icmp6-port-unreachable", "port-unreach"],
  ["tcp-reset", "tcp-reset"],
  ["icmp6-policy-fail", "policy-fail"],
  ["icmp6-reject-route", "reject-route"],
];

export function defaultRejectType(family: Family): RejectType {
  return family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
}

/** Resolve `--reject-with` text as iptables does (case-insensitive prefix of name or alias). */
export function lookupRejectType(text: string, family: Family): string | undefined {
  const t = text.toLowerCase();
  for (const [name, alias] of family === 4 ? TABLE4 : TABLE6) if (name.startsWith(t) || alias.startsWith(t)) return name;
  return undefined;
}

export const REJECT = defineTarget<RejectTarget>({
  name: "REJECT",
  tables: ["filter"],
  hooks: ["INPUT", "FORWARD", "OUTPUT"],
  options: [{ name: "reject-with", args: 1 }],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "REJECT").get("reject-with");
    let type: RejectType = defaultRejectType(ctx.family);
    if (o) {
      const text = o.values[0] ?? "";
      const vloc = o.valueLocs[0] ?? o.loc;
      const found = lookupRejectType(text, ctx.family);
      if (found === "echo-reply")
        ctx.error("bad-reject-type", `REJECT: --reject-with echo-reply no longer supported (unknown reject type "${text}")`, vloc);
      else if (!found) {
        const other = lookupRejectType(text, ctx.family === 4 ? 6 : 4);
        const hint = other && other !== "echo-reply" && other !== "tcp-reset" ? ` (${other} is an IPv${ctx.family === 4 ? 6 : 4} type)` : "";
        ctx.error("bad-reject-type", `REJECT: unknown reject type "${text}"${hint}`, vloc);
      } else type = found as RejectType;
      if (type === "tcp-reset") {
        const p = ctx.protocol;
        if (!p || p.negated || p.number !== PROTO.tcp)
          ctx.error("reject-needs-tcp", "REJECT: --reject-with tcp-reset needs -p tcp in the rule (the kernel refuses it: TCP_RESET invalid for non-tcp)", vloc);
      }
    }
    return { kind: "target", name: "REJECT", loc, with: type };
  },
  print(t) {
    return `--reject-with ${t.with}`;
  },
  evaluate(t) {
    return { kind: "reject", with: t.with };
  },
});
