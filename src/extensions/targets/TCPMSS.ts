/**
 * `-j TCPMSS` (iptables-extensions(8), "TCPMSS"): `--set-mss value` or `--clamp-mss-to-pmtu`. Rewrites
 * the MSS option of TCP SYN packets. Non-terminating.
 *
 * Observed with iptables 1.8.9, Linux 6.18:
 * - printed as `--set-mss N` or `--clamp-mss-to-pmtu`; both options share one field, so the last one
 *   given wins (`--set-mss 1400 --clamp-mss-to-pmtu` → `--clamp-mss-to-pmtu`); one is required ("TCPMSS
 *   target: At least one parameter is required"); `--set-mss` is 0–65515 (IPv6 0–65495);
 * - the kernel refuses it without `-p tcp`; with legacy iptables it also needs a tcp match on SYN
 *   (`-m tcp --tcp-flags SYN,RST SYN` or `--syn`), iptables-nft does not check that;
 * - `--clamp-mss-to-pmtu` only from FORWARD, OUTPUT and POSTROUTING ("xt_TCPMSS: path-MTU clamping only
 *   supported in FORWARD, OUTPUT and POSTROUTING hooks"), in any table; legacy also checks it through
 *   user chains, iptables-nft only in built-in chains; `--set-mss` is allowed everywhere.
 * Deviation: the hook restriction depends on the option, so it is checked here for built-in chains only
 * (not through jumps), and the legacy SYN-match requirement is not checked (matches are not visible to a
 * target decoder).
 */
import type { TargetBase } from "../../model/ast.js";
import { PROTO } from "../../net/packet.js";
import { defineTarget } from "../types.js";
import { parseU32 } from "./mark-ops.js";

export interface TcpmssTarget extends TargetBase {
  readonly name: "TCPMSS";
  /** The MSS to set, or "pmtu" for `--clamp-mss-to-pmtu`. */
  readonly mss: number | "pmtu";
}

const CLAMP_HOOKS = ["FORWARD", "OUTPUT", "POSTROUTING"];
const BUILTINS = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

export const TCPMSS = defineTarget<TcpmssTarget>({
  name: "TCPMSS",
  options: [
    { name: "set-mss", args: 1 },
    { name: "clamp-mss-to-pmtu", args: 0 },
  ],
  decode(opts, ctx, loc) {
    let mss: number | "pmtu" | undefined;
    const seen = new Set<string>();
    const max = ctx.family === 4 ? 65515 : 65495;
    for (const o of opts) {
      if (seen.has(o.spec.name)) {
        ctx.error("repeated-option", `TCPMSS: option "${o.written}" can only be used once`, o.loc);
        continue;
      }
      seen.add(o.spec.name);
      if (o.spec.name === "clamp-mss-to-pmtu") {
        mss = "pmtu";
        if (BUILTINS.includes(ctx.chain) && !CLAMP_HOOKS.includes(ctx.chain))
          ctx.error("invalid-target-placement", `TCPMSS: --clamp-mss-to-pmtu is only valid from FORWARD/OUTPUT/POSTROUTING, not ${ctx.chain} (the kernel refuses the rule)`, o.loc);
        continue;
      }
      const v = parseU32(o.values[0] ?? "");
      if (v === null || v > max) ctx.error("bad-value", `TCPMSS: bad value for option "${o.written}", or out of range (0-${max})`, o.valueLocs[0] ?? o.loc);
      else mss = v;
    }
    if (mss === undefined && seen.size === 0) ctx.error("missing-option", "TCPMSS target: At least one parameter is required", loc);
    const p = ctx.protocol;
    if (!p || p.negated || p.number !== PROTO.tcp) ctx.error("target-needs-protocol", "TCPMSS: needs -p tcp in the rule (the kernel refuses it otherwise)", loc);
    return { kind: "target", name: "TCPMSS", loc, mss: mss ?? "pmtu" };
  },
  print(t) {
    return t.mss === "pmtu" ? "--clamp-mss-to-pmtu" : `--set-mss ${t.mss}`;
  },
  evaluate() {
    return { kind: "continue" };
  },
});
