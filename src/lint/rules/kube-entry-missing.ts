import type { Hook } from "../../model/ast.js";
import { defineRule } from "../types.js";

/** kube-proxy's entry chains and the built-in chains that must lead to them. */
const ENTRIES: readonly { table: string; chain: string; hooks: readonly Hook[]; all: boolean }[] = [
  { table: "nat", chain: "KUBE-SERVICES", hooks: ["PREROUTING", "OUTPUT"], all: true },
  { table: "nat", chain: "KUBE-POSTROUTING", hooks: ["POSTROUTING"], all: true },
  { table: "filter", chain: "KUBE-FORWARD", hooks: ["FORWARD"], all: true },
  { table: "filter", chain: "KUBE-SERVICES", hooks: ["INPUT", "FORWARD", "OUTPUT"], all: false },
];

export const kubeEntryMissing = defineRule({
  id: "kube-entry-missing",
  severity: "error",
  title: "A kube-proxy chain with rules is not reached from the built-in chains that should lead to it",
  tags: ["kube-proxy", "correctness"],
  rationale: `kube-proxy hooks its chains into the built-in ones: nat PREROUTING and OUTPUT jump to
\`KUBE-SERVICES\` (service IPs for forwarded and for local traffic), nat POSTROUTING to
\`KUBE-POSTROUTING\` (masquerade), filter FORWARD to \`KUBE-FORWARD\`. If a firewall script flushed the
built-in chains (\`iptables -F\`, a \`*nat\` restore without \`--noflush\`), the jumps are gone while
kube-proxy's chains stay: services stop working from pods, or from the node, until kube-proxy's next
full sync (it notices the missing canary chains only if those were flushed too).`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
COMMIT
`,
  },
  check(ctx, report) {
    for (const e of ENTRIES) {
      const t = ctx.table(e.table);
      const c = t && ctx.chains(t).get(e.chain);
      if (!t || !c || !c.rules.length) continue;
      const reached = ctx.hooks(t).get(e.chain) ?? new Set<Hook>();
      const missing = e.hooks.filter((h) => !reached.has(h));
      if (e.all ? !missing.length : missing.length < e.hooks.length) continue;
      report({
        at: { chain: c, table: t },
        message: `${e.table} ${e.chain} has ${c.rules.length} rule(s) but is not reached from ${e.all ? missing.join(" or ") : e.hooks.join(", ")}; kube-proxy's jump from the built-in chain is missing`,
      });
    }
  },
});
