/**
 * `-j NFLOG` (iptables-extensions(8), "NFLOG"): `--nflog-group`, `--nflog-prefix`, `--nflog-size`,
 * `--nflog-range` (obsolete), `--nflog-threshold`. Non-terminating: hands the packet to a netlink
 * group (ulogd, tcpdump nflog:N) and continues.
 *
 * Observed with iptables 1.8.9, Linux 6.18:
 * - printed as `[--nflog-prefix P] [--nflog-group G] [--nflog-size S | --nflog-range R]
 *   [--nflog-threshold T]`; group 0 and threshold 0 are omitted (defaults), `--nflog-size 0` is printed;
 *   numbers in any strtoul base (`0x10` → 16); group and threshold 0–65535, size 0–4294967295;
 * - the prefix is quoted by xtables_save_string; `""` is refused; legacy truncates it to 63 bytes,
 *   nf_tables to 127;
 * - `--nflog-range` warns "--nflog-range has never worked and is no longer supported, please use
 *   --nflog-size instead"; legacy iptables-save still prints it, nf_tables drops it; it excludes
 *   `--nflog-size` ('option "--nflog-range" cannot be used together with "--nflog-size"');
 * - placement: every table and chain.
 * Deviation: `--nflog-range` is kept and printed (as the legacy dumps that can contain it do), and a
 * prefix is truncated to 127 bytes with a warning past 63.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, saveString, words } from "../util.js";
import { parseU32, reportExclusive } from "./mark-ops.js";
import { truncateBytes } from "./LOG.js";

export interface NflogTarget extends TargetBase {
  readonly name: "NFLOG";
  readonly group: number;
  readonly prefix?: string;
  /** `--nflog-size`: bytes copied to userspace. */
  readonly size?: number;
  /** Obsolete `--nflog-range` (never worked). */
  readonly range?: number;
  readonly threshold: number;
}

export const NFLOG = defineTarget<NflogTarget>({
  name: "NFLOG",
  options: [
    { name: "nflog-group", args: 1 },
    { name: "nflog-prefix", args: 1 },
    { name: "nflog-range", args: 1 },
    { name: "nflog-size", args: 1 },
    { name: "nflog-threshold", args: 1 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "NFLOG");
    const num = (name: string, max: number): number | undefined => {
      const occ = o.get(name);
      if (!occ) return undefined;
      const v = parseU32(occ.values[0] ?? "");
      if (v === null || v > max) {
        ctx.error("bad-value", `NFLOG: bad value for option "${occ.written}", or out of range (0-${max})`, occ.valueLocs[0] ?? occ.loc);
        return undefined;
      }
      return v;
    };
    const group = num("nflog-group", 65535) ?? 0;
    const threshold = num("nflog-threshold", 65535) ?? 0;
    const size = num("nflog-size", 0xffffffff);
    const range = num("nflog-range", 0xffffffff);
    const r = o.get("nflog-range");
    if (r) ctx.warn("obsolete-option", "NFLOG: --nflog-range has never worked and is no longer supported, please use --nflog-size instead", r.loc);
    reportExclusive(opts, ["nflog-range", "nflog-size"], ctx, "NFLOG");
    let prefix: string | undefined;
    const p = o.get("nflog-prefix");
    if (p) {
      const text = p.values[0] ?? "";
      const vloc = p.valueLocs[0] ?? p.loc;
      if (text === "") ctx.error("bad-value", "NFLOG: --nflog-prefix must not be empty (iptables: Argument must have a minimum length of 1 characters)", vloc);
      else {
        prefix = truncateBytes(text, 127);
        if (Buffer.byteLength(text, "utf8") > 63)
          ctx.warn("nflog-prefix-truncated", "NFLOG: --nflog-prefix is longer than 63 bytes; legacy iptables truncates it to 63, iptables-nft to 127", vloc);
      }
    }
    return {
      kind: "target",
      name: "NFLOG",
      loc,
      group,
      ...(prefix !== undefined ? { prefix } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(range !== undefined ? { range } : {}),
      threshold,
    };
  },
  print(t) {
    return words(
      t.prefix !== undefined && `--nflog-prefix ${saveString(t.prefix)}`,
      t.group !== 0 && `--nflog-group ${t.group}`,
      t.size !== undefined && `--nflog-size ${t.size}`,
      t.size === undefined && t.range !== undefined && t.range !== 0 && `--nflog-range ${t.range}`,
      t.threshold !== 0 && `--nflog-threshold ${t.threshold}`,
    );
  },
  evaluate() {
    return { kind: "continue" };
  },
});
