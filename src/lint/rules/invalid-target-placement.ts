import { findTargetExtension } from "../../extensions/index.js";
import type { Hook, TableName } from "../../model/ast.js";
import { defineRule } from "../types.js";

/**
 * Where the kernel accepts the targets that have restrictions, for target names without an extension
 * file (the extension's own `tables`/`hooks` win when it has them).
 */
const KERNEL_PLACEMENT: Readonly<Record<string, { tables?: readonly TableName[]; hooks?: readonly Hook[] }>> = {
  DNAT: { tables: ["nat"], hooks: ["PREROUTING", "OUTPUT"] },
  REDIRECT: { tables: ["nat"], hooks: ["PREROUTING", "OUTPUT"] },
  SNAT: { tables: ["nat"], hooks: ["POSTROUTING", "INPUT"] },
  MASQUERADE: { tables: ["nat"], hooks: ["POSTROUTING"] },
  NETMAP: { tables: ["nat"] },
  REJECT: { tables: ["filter"], hooks: ["INPUT", "FORWARD", "OUTPUT"] },
  TPROXY: { tables: ["mangle"], hooks: ["PREROUTING"] },
};

export const invalidTargetPlacement = defineRule({
  id: "invalid-target-placement",
  severity: "error",
  title: "Target used in a table or chain where the kernel refuses it",
  tags: ["netfilter", "correctness"],
  rationale: `NAT and REJECT targets only work at certain points of the packet's path, and the kernel checks
it when the table is loaded, following jumps from each built-in chain: DNAT and REDIRECT only from
PREROUTING/OUTPUT of \`nat\`, SNAT from POSTROUTING/INPUT, MASQUERADE from POSTROUTING, REJECT only in
\`filter\` (INPUT, FORWARD, OUTPUT), TPROXY in \`mangle\` PREROUTING. A user chain holding such a target
must only be reachable from those hooks. Otherwise \`iptables-restore\` fails ("Invalid argument") and
the whole table is left as it was.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:EGRESS - [0:0]
-A PREROUTING -j EGRESS
-A POSTROUTING -j EGRESS
-A EGRESS -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:EGRESS - [0:0]
-A POSTROUTING -j EGRESS
-A EGRESS -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables) {
      let reach: Map<string, Set<Hook>> | undefined;
      for (const c of t.chains)
        for (const r of c.rules) {
          const tg = r.target;
          if (!tg || (tg.kind !== "target" && tg.kind !== "opaque-target")) continue;
          const ext = findTargetExtension(tg.name);
          const tables = ext?.tables ?? KERNEL_PLACEMENT[tg.name]?.tables;
          const hooks = ext?.hooks ?? KERNEL_PLACEMENT[tg.name]?.hooks;
          if (tables && !tables.includes(t.name as TableName)) {
            report({ at: { rule: r }, message: `${tg.name} is only valid in the ${tables.join("/")} table, not ${t.name}; the kernel refuses the rule` });
            continue;
          }
          if (!hooks) continue;
          reach ??= ctx.hooks(t);
          const bad = [...(reach.get(c.name) ?? [])].filter((h) => !hooks.includes(h));
          if (!bad.length) continue;
          const via = c.builtin ? "" : ` (chain ${c.name} is reached from ${bad.join(", ")})`;
          report({
            at: { rule: r },
            message: `${tg.name} is only valid from ${hooks.join("/")}${via}; the kernel refuses table ${t.name}`,
            related: c.builtin
              ? []
              : (ctx.references(t).get(c.name) ?? []).map((j) => ({ rule: j, message: `jumps to ${c.name}` })),
          });
        }
    }
  },
});
