/**
 * `-j MARK` (iptables-extensions(8), "MARK"): `--set-xmark value[/mask]`, `--set-mark value[/mask]`,
 * `--and-mark`, `--or-mark`, `--xor-mark`. Sets skb->mark: `mark = (mark & ~mask) ^ value`.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18 — every form prints as
 * `--set-xmark 0xV/0xM` with the mask always shown (lower-case hex, no padding):
 * - `--set-mark 0x1` → `--set-xmark 0x1/0xffffffff`; `--set-mark 0x1/0xf0` → `0x1/0xf1` (mask |= value);
 *   `--set-mark 0/0` → `0x0/0x0`; `--set-xmark 0x1` → `0x1/0xffffffff`;
 * - `--or-mark 0x4000` → `0x4000/0x4000`; `--and-mark 0xff` → `0x0/0xffffff00`; `--xor-mark 0x10` →
 *   `0x10/0x0`; numbers in any strtoul base (`010` → `0x8`);
 * - one of the five is required ("MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is
 *   required"), they exclude each other ('option "--set-mark" cannot be used together with
 *   "--or-mark"'), `--or-mark 1/2` is refused ('bad value for option "--or-mark", or out of range
 *   (0-4294967295)');
 * - placement: every table and chain (revision 2).
 * Deviation: iptables also has revisions 0/1 (mangle only, printed `--set-mark 0x1` / `--and-mark …`),
 * used only by kernels before 2.6.25; the tool keeps no separate form and prints revision 2's.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { hex } from "../util.js";
import { applyXMark, reportExclusive, xmarkOf, type XMark } from "./mark-ops.js";

export interface MarkTarget extends TargetBase {
  readonly name: "MARK";
  /** `mark = (mark & ~mask) ^ value`. */
  readonly value: number;
  readonly mask: number;
}

const OPS = ["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"] as const;

export const MARK = defineTarget<MarkTarget>({
  name: "MARK",
  options: [
    { name: "set-xmark", args: 1 },
    { name: "set-mark", args: 1 },
    { name: "and-mark", args: 1 },
    { name: "or-mark", args: 1 },
    { name: "xor-mark", args: 1 },
  ],
  decode(opts, ctx, loc) {
    let x: XMark | null = null;
    const seen = new Set<string>();
    for (const o of opts) {
      if (seen.has(o.spec.name)) {
        ctx.error("repeated-option", `MARK: option "${o.written}" can only be used once`, o.loc);
        continue;
      }
      seen.add(o.spec.name);
      const r = xmarkOf(o, ctx, "MARK");
      if (r) x = r;
    }
    reportExclusive(opts, OPS, ctx, "MARK");
    if (seen.size === 0) ctx.error("missing-option", "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required", loc);
    return { kind: "target", name: "MARK", loc, value: x?.value ?? 0, mask: x?.mask ?? 0 };
  },
  print(t) {
    return `--set-xmark ${hex(t.value)}/${hex(t.mask)}`;
  },
  evaluate(t, pkt) {
    return { kind: "continue", packet: { ...pkt, mark: applyXMark(pkt.mark, t) } };
  },
});
