/**
 * `-j NFQUEUE` (iptables-extensions(8), "NFQUEUE"): `--queue-num N`, `--queue-balance A:B`,
 * `--queue-bypass`, `--queue-cpu-fanout`. Hands the packet to a user-space program; the verdict comes
 * from it (or, with `--queue-bypass` and nobody listening, the packet is accepted).
 *
 * Observed with iptables 1.8.9 (nf_tables and legacy agree), Linux 6.18:
 * - printed as `--queue-num N` (always, `-j NFQUEUE` → `--queue-num 0`) or `--queue-balance A:B`, then
 *   `--queue-bypass`, then `--queue-cpu-fanout`; numbers in any strtoul base (`0x10` → 16), 0–65535;
 * - `--queue-num` and `--queue-balance` exclude each other; `--queue-balance` needs A < B ("3 should be
 *   less than 3"; `5` alone: 'Bad range "5"'); `--queue-cpu-fanout` needs `--queue-balance` ('option
 *   "--queue-cpu-fanout" also requires "--queue-balance"'); no `--fail-open`;
 * - placement: every table and chain.
 */
import type { TargetBase } from "../../model/ast.js";
import { defineTarget } from "../types.js";
import { byName, words } from "../util.js";
import { parseU32, reportExclusive } from "./mark-ops.js";

export interface NfqueueTarget extends TargetBase {
  readonly name: "NFQUEUE";
  /** First queue number. */
  readonly queue: number;
  /** Last queue number with `--queue-balance` (absent: one queue). */
  readonly queueLast?: number;
  readonly bypass: boolean;
  readonly cpuFanout: boolean;
}

export const NFQUEUE = defineTarget<NfqueueTarget>({
  name: "NFQUEUE",
  options: [
    { name: "queue-num", args: 1 },
    { name: "queue-balance", args: 1 },
    { name: "queue-bypass", args: 0 },
    { name: "queue-cpu-fanout", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = byName(opts, ctx, "NFQUEUE");
    let queue = 0;
    let queueLast: number | undefined;
    const num = o.get("queue-num");
    if (num) {
      const v = parseU32(num.values[0] ?? "");
      if (v === null || v > 65535) ctx.error("bad-value", `NFQUEUE: bad value for option "${num.written}", or out of range (0-65535)`, num.valueLocs[0] ?? num.loc);
      else queue = v;
    }
    const bal = o.get("queue-balance");
    if (bal) {
      const text = bal.values[0] ?? "";
      const vloc = bal.valueLocs[0] ?? bal.loc;
      const m = /^([^:]*):(.*)$/.exec(text);
      const a = m ? parseU32(m[1]!) : null;
      const b = m ? parseU32(m[2]!) : null;
      if (a === null || b === null || a > 65535 || b > 65535) ctx.error("bad-value", `NFQUEUE: Bad range "${text}" (expected first:last, 0-65535)`, vloc);
      else if (a >= b) ctx.error("bad-value", `NFQUEUE: --queue-balance ${text}: ${a} should be less than ${b}`, vloc);
      else {
        queue = a;
        queueLast = b;
      }
    }
    reportExclusive(opts, ["queue-num", "queue-balance"], ctx, "NFQUEUE");
    const fan = o.get("queue-cpu-fanout");
    if (fan && !bal) ctx.error("missing-option", 'NFQUEUE: option "--queue-cpu-fanout" also requires "--queue-balance"', fan.loc);
    return {
      kind: "target",
      name: "NFQUEUE",
      loc,
      queue,
      ...(queueLast !== undefined ? { queueLast } : {}),
      bypass: o.has("queue-bypass"),
      cpuFanout: o.has("queue-cpu-fanout"),
    };
  },
  print(t) {
    return words(
      t.queueLast === undefined ? `--queue-num ${t.queue}` : `--queue-balance ${t.queue}:${t.queueLast}`,
      t.bypass && "--queue-bypass",
      t.cpuFanout && "--queue-cpu-fanout",
    );
  },
  evaluate(t) {
    const q = t.queueLast === undefined ? `queue ${t.queue}` : `queues ${t.queue}-${t.queueLast}`;
    return { kind: "queue", detail: `${q}${t.bypass ? " (accepted if no program listens)" : ""}` };
  },
});
