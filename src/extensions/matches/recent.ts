/**
 * `-m recent` (iptables-extensions(8), "recent"): `[!] --set|--rcheck|--update|--remove`, `--seconds N`,
 * `--reap`, `--hitcount N`, `--rttl`, `--name NAME`, `--mask ADDR`, `--rsource|--rdest`. kube-proxy
 * implements ClientIP session affinity with it.
 *
 * Observed with iptables 1.8.9 iptables-save:
 * - fixed order: `[!] --set|--rcheck|--update|--remove`, `--seconds N`, `--reap`, `--hitcount N`,
 *   `--rttl`, `--name NAME`, `--mask M`, `--rsource|--rdest`;
 * - defaults are always printed: `--set` → `--set --name DEFAULT --mask 255.255.255.255 --rsource`
 *   (IPv6: `--mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`);
 * - `--hitcount 0` is not printed; `--seconds` prints with `%d` (4294967295 → `-1`);
 * - the name prints raw, unquoted (`"a b"` → `a b`); names over 199 characters are cut to 199;
 * - `--mask 16` is read like inet_aton (→ `0.0.0.16`); `--rsource --rdest`: the last one wins;
 * - refused: none of set/rcheck/update/remove; two of them; `--rttl` with `--set`; `--reap` without
 *   `--seconds`; `--seconds 0`; (kernel) `--seconds`/`--hitcount` with `--set`/`--remove`; an empty name.
 */
import type { MatchBase } from "../../model/ast.js";
import { allOnes, formatAddr, parseAddr, type IpAddr } from "../../net/addr.js";
import { defineMatch } from "../types.js";
import { byName, words } from "../util.js";
import { parseCUint, unknown } from "./common.js";

export type RecentCommand = "set" | "rcheck" | "update" | "remove";

export interface RecentMatch extends MatchBase {
  readonly module: "recent";
  readonly command: RecentCommand;
  readonly negated: boolean;
  /** 0 when not given. */
  readonly seconds: number;
  readonly reap: boolean;
  /** 0 when not given. */
  readonly hitcount: number;
  readonly rttl: boolean;
  readonly name: string;
  readonly mask: IpAddr;
  readonly side: "rsource" | "rdest";
}

const COMMANDS: readonly RecentCommand[] = ["set", "rcheck", "update", "remove"];
/** XT_RECENT_NAME_LEN - 1. */
export const MAX_RECENT_NAME = 199;

export const recent = defineMatch<RecentMatch>({
  name: "recent",
  options: [
    { name: "set", args: 0, negatable: true },
    { name: "rcheck", args: 0, negatable: true },
    { name: "update", args: 0, negatable: true },
    { name: "remove", args: 0, negatable: true },
    { name: "seconds", args: 1 },
    { name: "reap", args: 0 },
    { name: "hitcount", args: 1 },
    { name: "rttl", args: 0 },
    { name: "name", args: 1 },
    { name: "mask", args: 1 },
    { name: "rsource", args: 0, repeatable: true },
    { name: "rdest", args: 0, repeatable: true },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "recent");
    const cmds = COMMANDS.filter((c) => o.has(c)).sort((a, b) => o.get(a)!.loc.offset - o.get(b)!.loc.offset);
    if (cmds.length === 0) {
      ctx.error("missing-option", "recent: you must specify one of --set, --rcheck, --update or --remove", loc);
      return null;
    }
    if (cmds.length > 1) {
      const second = o.get(cmds[1]!)!;
      ctx.error("conflicting-options", `recent: --${cmds[0]} cannot be used together with --${cmds[1]}`, second.loc);
    }
    const command = cmds[0]!;
    const cmdOcc = o.get(command)!;
    const num = (k: "seconds" | "hitcount", min: number): number => {
      const x = o.get(k);
      if (!x) return 0;
      const n = parseCUint(x.values[0]!);
      if (n === null || n < min) {
        ctx.error("bad-value", `recent: bad value for option --${k}, or out of range (${min}-4294967295): '${x.values[0]}'`, x.valueLocs[0] ?? x.loc);
        return 0;
      }
      return n;
    };
    const seconds = num("seconds", 1);
    const hitcount = num("hitcount", 0);
    const reap = o.get("reap");
    if (reap && !o.has("seconds")) ctx.error("missing-option", "recent: option --reap also requires --seconds", reap.loc);
    const rttl = o.get("rttl");
    if (rttl && command === "set") ctx.error("conflicting-options", "recent: --rttl cannot be used together with --set", rttl.loc);
    if ((command === "set" || command === "remove") && (o.has("seconds") || o.has("hitcount"))) {
      const x = o.get("seconds") ?? o.get("hitcount")!;
      ctx.error("conflicting-options", `recent: ${x.written} only works with --rcheck or --update (the kernel refuses it with --${command})`, x.loc);
    }
    let name = "DEFAULT";
    const nameOcc = o.get("name");
    if (nameOcc) {
      name = nameOcc.values[0]!;
      const vloc = nameOcc.valueLocs[0] ?? nameOcc.loc;
      if (name === "") ctx.error("bad-value", "recent: --name must not be empty (the kernel refuses it)", vloc);
      if (name.length > MAX_RECENT_NAME) {
        ctx.warn("value-truncated", `recent: --name is longer than ${MAX_RECENT_NAME} characters; iptables keeps the first ${MAX_RECENT_NAME}`, vloc);
        name = name.slice(0, MAX_RECENT_NAME);
      }
    }
    let mask: IpAddr = { family: ctx.family, value: allOnes(ctx.family) };
    const maskOcc = o.get("mask");
    if (maskOcc) {
      const t = maskOcc.values[0]!;
      const n = ctx.family === 4 && /^\d+$/.test(t) ? parseCUint(t) : null;
      const a = n !== null ? { family: 4 as const, value: BigInt(n) } : parseAddr(t, ctx.family);
      if (!a) ctx.error("bad-value", `recent: --mask '${t}' is not an IPv${ctx.family} address`, maskOcc.valueLocs[0] ?? maskOcc.loc);
      else mask = a;
    }
    // The last of --rsource/--rdest wins.
    const sides = opts.filter((x) => x.spec.name === "rsource" || x.spec.name === "rdest");
    const side = sides.length ? (sides[sides.length - 1]!.spec.name as "rsource" | "rdest") : "rsource";
    return {
      kind: "match",
      module: "recent",
      loc,
      command,
      negated: cmdOcc.negated,
      seconds,
      reap: reap !== undefined && o.has("seconds"),
      hitcount,
      rttl: rttl !== undefined && command !== "set",
      name,
      mask,
      side,
    };
  },
  print(m) {
    return words(
      `${m.negated ? "! " : ""}--${m.command}`,
      m.seconds !== 0 && `--seconds ${m.seconds | 0}`,
      m.reap && "--reap",
      m.hitcount !== 0 && `--hitcount ${m.hitcount | 0}`,
      m.rttl && "--rttl",
      `--name ${m.name}`,
      `--mask ${formatAddr(m.mask)}`,
      `--${m.side}`,
    );
  },
  evaluate(m) {
    // --set always matches (and would record the address; the dump holds no list state).
    if (m.command === "set") return !m.negated;
    const who = m.side === "rsource" ? "source" : "destination";
    const cond = [
      m.seconds ? `seen within the last ${m.seconds} s` : "",
      m.hitcount ? `at least ${m.hitcount} hits` : "",
      m.rttl ? "same TTL" : "",
    ]
      .filter(Boolean)
      .join(", ");
    const text = `${who} has a recent entry in list ${m.name}${cond ? ` (${cond})` : ""}`;
    return unknown(`recent:${m.name}`, m.command === "remove" ? `${text}, which is removed` : text, m.negated);
  },
});
