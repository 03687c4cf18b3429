/**
 * `-j CONNMARK` (iptables-extensions(8), "CONNMARK"): `--set-xmark value[/ctmask]`, `--set-mark
 * value[/mask]`, `--and-mark/--or-mark/--xor-mark`, `--save-mark`/`--restore-mark` with `--nfmask`,
 * `--ctmask` or `--mask`, and `--left-shift-mark`/`--right-shift-mark` (revision 2).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - set forms print as `--set-xmark 0xV/0xM` exactly as MARK's (see mark-ops.ts): `--set-mark 0x1` →
 *   `0x1/0xffffffff`, `--or-mark 0xff` → `0xff/0xff`, `--and-mark 0xff` → `0x0/0xffffff00`;
 * - save/restore always print both masks: `--save-mark` → `--save-mark --nfmask 0xffffffff --ctmask
 *   0xffffffff`; `--mask M` sets both (`--restore-mark --mask 0xff` → `--restore-mark --nfmask 0xff
 *   --ctmask 0xff`);
 * - options apply in the order given: `--set-mark 0x1/0xf --mask 0xf0` → `0x1/0xf0` (`--mask` and
 *   `--ctmask` overwrite the set mask); `--nfmask` with a set form is ignored;
 * - a non-zero shift prints after everything (even after `--set-xmark`), the last shift option winning:
 *   `--left-shift-mark 2 --right-shift-mark 3` → `--right-shift-mark 3`; shift 0 is not printed; the
 *   kernel refuses 32;
 * - an operation is required ("CONNMARK target: No operation specified"); the operations exclude each
 *   other, and `--mask` excludes `--nfmask`/`--ctmask` ('option "--nfmask" cannot be used together with
 *   "--mask"');
 * - placement: every table and chain.
 * Evaluation (xt_connmark revision 2): set: `ct = ((ct & ~ctmask) ^ ctmark) << shift`; save: `ct = (ct &
 * ~ctmask) ^ ((mark & nfmask) << shift)`; restore: `mark = (mark & ~nfmask) ^ ((ct & ctmask) << shift)`
 * (`>>` for right shifts). No effect on untracked or invalid packets (no conntrack entry).
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { hex } from "../util.js";
import { readU32, reportExclusive, xmarkOf } from "./mark-ops.js";

export type ConnmarkMode = "set" | "save" | "restore";

export interface ConnmarkTarget extends TargetBase {
  readonly name: "CONNMARK";
  readonly mode: ConnmarkMode;
  readonly ctmark: number;
  readonly ctmask: number;
  readonly nfmask: number;
  readonly shiftDir: "left" | "right";
  /** 0–31; 0 means no shift. */
  readonly shiftBits: number;
}

const OPS = ["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark", "save-mark", "restore-mark"] as const;

export const CONNMARK = defineTarget<ConnmarkTarget>({
  name: "CONNMARK",
  options: [
    { name: "set-xmark", args: 1 },
    { name: "set-mark", args: 1 },
    { name: "and-mark", args: 1 },
    { name: "or-mark", args: 1 },
    { name: "xor-mark", args: 1 },
    { name: "save-mark", args: 0 },
    { name: "restore-mark", args: 0 },
    { name: "left-shift-mark", args: 1 },
    { name: "right-shift-mark", args: 1 },
    { name: "ctmask", args: 1 },
    { name: "nfmask", args: 1 },
    { name: "mask", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const n = { mode: undefined as ConnmarkMode | undefined, ctmark: 0, ctmask: 0xffffffff, nfmask: 0xffffffff, shiftDir: "left" as "left" | "right", shiftBits: 0 };
    const seen = new Set<string>();
    for (const o of opts) {
      const name = o.spec.name;
      if (seen.has(name)) {
        ctx.error("repeated-option", `CONNMARK: option "${o.written}" can only be used once`, o.loc);
        continue;
      }
      seen.add(name);
      switch (name) {
        case "save-mark":
          n.mode = "save";
          break;
        case "restore-mark":
          n.mode = "restore";
          break;
        case "ctmask":
        case "nfmask":
        case "mask": {
          const v = readU32(o, ctx, "CONNMARK");
          if (v === null) break;
          if (name !== "nfmask") n.ctmask = v;
          if (name !== "ctmask") n.nfmask = v;
          break;
        }
        case "left-shift-mark":
        case "right-shift-mark": {
          const v = readU32(o, ctx, "CONNMARK");
          if (v === null) break;
          if (v > 32) ctx.error("bad-value", `CONNMARK: bad value for option "${o.written}", or out of range (0-32)`, o.valueLocs[0] ?? o.loc);
          else if (v === 32) ctx.error("bad-value", `CONNMARK: ${o.written} 32 is refused by the kernel (at most 31)`, o.valueLocs[0] ?? o.loc);
          else {
            n.shiftDir = name === "left-shift-mark" ? "left" : "right";
            n.shiftBits = v;
          }
          break;
        }
        default: {
          const x = xmarkOf(o, ctx, "CONNMARK");
          n.mode = "set";
          if (x) {
            n.ctmark = x.value;
            n.ctmask = x.mask;
          }
        }
      }
    }
    reportExclusive(opts, OPS, ctx, "CONNMARK");
    const mask = opts.find((o) => o.spec.name === "mask");
    const other = opts.find((o) => o.spec.name === "nfmask" || o.spec.name === "ctmask");
    if (mask && other) {
      const later = mask.loc.offset > other.loc.offset ? mask : other;
      ctx.error("conflicting-options", `CONNMARK: option "${other.written}" cannot be used together with "${mask.written}"`, later.loc);
    }
    if (!n.mode) ctx.error("missing-option", "CONNMARK target: No operation specified", loc);
    return {
      kind: "target",
      name: "CONNMARK",
      loc,
      mode: n.mode ?? "set",
      ctmark: n.ctmark,
      ctmask: n.ctmask,
      nfmask: n.nfmask,
      shiftDir: n.shiftDir,
      shiftBits: n.shiftBits,
    };
  },
  print(t) {
    const body =
      t.mode === "set"
        ? `--set-xmark ${hex(t.ctmark)}/${hex(t.ctmask)}`
        : `--${t.mode}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
    return t.shiftBits ? `${body} --${t.shiftDir}-shift-mark ${t.shiftBits}` : body;
  },
  evaluate(t, pkt) {
    if (pkt.ctState === "UNTRACKED" || pkt.ctState === "INVALID") return { kind: "continue" };
    const shift = (v: number): number => (t.shiftDir === "right" ? v >>> t.shiftBits : (v << t.shiftBits) >>> 0);
    switch (t.mode) {
      case "set":
        return { kind: "continue", packet: { ...pkt, connmark: shift(((pkt.connmark & ~t.ctmask) ^ t.ctmark) >>> 0) } };
      case "save":
        return { kind: "continue", packet: { ...pkt, connmark: ((pkt.connmark & ~t.ctmask) ^ shift((pkt.mark & t.nfmask) >>> 0)) >>> 0 } };
      case "restore":
        return { kind: "continue", packet: { ...pkt, mark: ((pkt.mark & ~t.nfmask) ^ shift((pkt.connmark & t.ctmask) >>> 0)) >>> 0 } };
    }
  },
});
