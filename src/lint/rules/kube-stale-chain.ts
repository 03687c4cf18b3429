import { defineRule } from "../types.js";

/** kube-proxy's largeClusterEndpointsThreshold: above it, stale chains are deleted once per sync period. */
const LARGE_CLUSTER_ENDPOINTS = 1000;

export const kubeStaleChain = defineRule({
  id: "kube-stale-chain",
  severity: "warning",
  title: "kube-proxy service chains that nothing reaches, or chains of two kube-proxy eras side by side",
  tags: ["kube-proxy", "hygiene"],
  rationale: `Every per-service chain kube-proxy writes (\`KUBE-SVC-\`, \`KUBE-SVL-\`, \`KUBE-EXT-\`,
\`KUBE-FW-\`, \`KUBE-SEP-\`, formerly \`KUBE-XLB-\`) is reachable from nat \`KUBE-SERVICES\` or
\`KUBE-NODEPORTS\`, and kube-proxy deletes the ones that no longer are. An unreachable one is dead state:
left by a kube-proxy that stopped or was replaced, or by a restore that failed half-way. Chains of two
generations side by side (\`KUBE-XLB-…\` from kube-proxy before 1.23 next to \`KUBE-EXT-…\`/\`KUBE-SVL-…\`)
mean two versions wrote to the same node, or a downgrade left chains behind.

In large-cluster mode (more than ${LARGE_CLUSTER_ENDPOINTS} endpoints) kube-proxy deletes unreferenced
chains only once per sync period, so there they are reported as information.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
COMMIT
`,
  },
  check(ctx, report) {
    const cat = ctx.kube();
    const nat = cat.nat;
    if (!nat || !cat.chains.size) return;
    const endpoints = [...cat.chains.values()].filter((k) => k.kind === "sep").length;
    const large = endpoints > LARGE_CLUSTER_ENDPOINTS;
    for (const kc of cat.chains.values()) {
      if (kc.reachable) continue;
      const refs = ctx.references(nat).get(kc.chain.name) ?? [];
      report({
        at: { chain: kc.chain, table: nat },
        message: `${kc.chain.name} is not reachable from KUBE-SERVICES or KUBE-NODEPORTS${refs.length ? ` (only from other unreachable chains)` : " (nothing jumps to it)"}${large ? `; in large-cluster mode (${endpoints} endpoint chains) kube-proxy deletes such chains only once per sync period` : ""}`,
        ...(large ? { severity: "info" as const } : {}),
      });
    }
    const xlb = [...cat.chains.values()].filter((k) => k.kind === "xlb");
    const modern = [...cat.chains.values()].filter((k) => k.kind === "ext" || k.kind === "svl");
    if (xlb.length && modern.length)
      report({
        at: { chain: xlb[0]!.chain, table: nat },
        message: `${xlb.length} KUBE-XLB chain(s) (kube-proxy before 1.23) next to ${modern.length} KUBE-EXT/KUBE-SVL chain(s) (1.23 and later): two kube-proxy generations wrote this table`,
        related: modern.slice(0, 3).map((k) => ({ chain: k.chain, table: nat, message: "a chain of the newer generation" })),
      });
  },
});
