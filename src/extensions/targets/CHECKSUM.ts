/**
 * `-j CHECKSUM` (iptables-extensions(8), "CHECKSUM"): `--checksum-fill` computes a missing checksum
 * (for old DHCP clients behind virtio). Non-terminating.
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18: printed `--checksum-fill`;
 * the option is required ('CHECKSUM: option "--checksum-fill" must be specified') and once only;
 * placement: mangle table only, any chain.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName } from "../util.js";

export interface ChecksumTarget extends TargetBase {
  readonly name: "CHECKSUM";
}

export const CHECKSUM = defineTarget<ChecksumTarget>({
  name: "CHECKSUM",
  tables: ["mangle"],
  options: [{ name: "checksum-fill", args: 0 }],
  decode(opts, ctx, loc) {
    if (!byName(opts, ctx, "CHECKSUM").has("checksum-fill")) ctx.error("missing-option", 'CHECKSUM: option "--checksum-fill" must be specified', loc);
    return { kind: "target", name: "CHECKSUM", loc };
  },
  print() {
    return "--checksum-fill";
  },
  evaluate() {
    return { kind: "continue" };
  },
});
