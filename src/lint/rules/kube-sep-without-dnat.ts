import { defineRule } from "../types.js";
import { dnatDestination } from "../../kube/index.js";

export const kubeSepWithoutDnat = defineRule({
  id: "kube-sep-without-dnat",
  severity: "error",
  title: "A kube-proxy endpoint chain never DNATs",
  tags: ["kube-proxy", "correctness"],
  rationale: `A \`KUBE-SEP-…\` chain exists to rewrite the destination to one endpoint: kube-proxy writes a
masquerade-mark rule for hairpin traffic and then \`-j DNAT --to-destination ip:port\`. Without the DNAT,
connections the ladder sends to this endpoint keep the service address as destination and are routed
nowhere; they time out. This happens when the chain was flushed or edited by hand, or a restore was cut
short.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -s 10.244.1.5/32 -m comment --comment "shop/frontend:http" -j KUBE-MARK-MASQ
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
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
:KUBE-MARK-MASQ - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -s 10.244.1.5/32 -m comment --comment "shop/frontend:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
COMMIT
`,
  },
  check(ctx, report) {
    const cat = ctx.kube();
    if (!cat.nat) return;
    for (const kc of cat.chains.values()) {
      if (kc.kind !== "sep") continue;
      if (kc.chain.rules.some((r) => dnatDestination(r, ctx.family) !== undefined || r.target?.kind === "target" && r.target.name === "DNAT"))
        continue;
      report({
        at: { chain: kc.chain, table: cat.nat },
        message: `endpoint chain ${kc.chain.name} has ${kc.chain.rules.length ? "no DNAT rule" : "no rules"}; connections sent to it are not redirected to any endpoint`,
      });
    }
  },
});
