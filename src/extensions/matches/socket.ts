/**
 * `-m socket [--transparent] [--nowildcard] [--restore-skmark]` (iptables-extensions(8), "socket"): a
 * local socket matches the packet. The kernel accepts it only in PREROUTING and INPUT.
 *
 * Observed with iptables 1.8.9 iptables-save: `-m socket` alone is valid; options print in the order
 * `--transparent --nowildcard --restore-skmark`; none can be negated or repeated.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, words } from "../util.js";
import { checkHooks, unknown } from "./common.js";

export interface SocketMatch extends MatchBase {
  readonly module: "socket";
  readonly transparent: boolean;
  readonly nowildcard: boolean;
  readonly restoreSkmark: boolean;
}

export const socket = defineMatch<SocketMatch>({
  name: "socket",
  options: [
    { name: "transparent", args: 0 },
    { name: "nowildcard", args: 0 },
    { name: "restore-skmark", args: 0 },
  ],
  decode(opts, ctx, loc) {
    checkHooks(ctx, "socket", ["PREROUTING", "INPUT"], loc);
    const o = byName(opts, ctx, "socket");
    return {
      kind: "match",
      module: "socket",
      loc,
      transparent: o.has("transparent"),
      nowildcard: o.has("nowildcard"),
      restoreSkmark: o.has("restore-skmark"),
    };
  },
  print(m) {
    return words(m.transparent && "--transparent", m.nowildcard && "--nowildcard", m.restoreSkmark && "--restore-skmark");
  },
  evaluate(m) {
    // Deviation: the sockets of the node are not in the dump.
    const flags = words(m.transparent && "transparent", m.nowildcard && "non-wildcard");
    return unknown(
      `socket${flags ? ` ${flags}` : ""}`,
      `a local ${m.transparent ? "transparent " : ""}socket${m.nowildcard ? " (not bound to a wildcard address)" : ""} matches the packet`,
    );
  },
});
