import { defineRule } from "../types.js";
import { jumpTarget } from "../../kube/index.js";

export const kubeNodeportsNotLast = defineRule({
  id: "kube-nodeports-not-last",
  severity: "error",
  title: "The jump to KUBE-NODEPORTS is not the last rule of nat KUBE-SERVICES",
  tags: ["kube-proxy", "correctness"],
  rationale: `kube-proxy ends nat \`KUBE-SERVICES\` with \`-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\`
(its comment says so: "NOTE: this must be the last rule in this chain"). NodePort traffic is addressed to
a node IP, and the rules for cluster, external and load-balancer IPs must be tried first: an external IP
or load-balancer IP that is also local, or a rule added after it by hand, would otherwise be handled as
a NodePort (or not at all). A rule after it means someone appended to kube-proxy's chain, or two writers
fight over it.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
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
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
COMMIT
`,
  },
  check(ctx, report) {
    const nat = ctx.table("nat");
    const chain = nat && ctx.chains(nat).get("KUBE-SERVICES");
    if (!chain) return;
    const rules = chain.rules;
    // With --nodeport-addresses there is one `-d <node ip> -j KUBE-NODEPORTS` rule per address: together
    // they must form the tail of the chain.
    const k = rules.findIndex((r) => jumpTarget(r) === "KUBE-NODEPORTS");
    if (k < 0) return;
    const after = rules.slice(k + 1).filter((r) => jumpTarget(r) !== "KUBE-NODEPORTS");
    if (!after.length) return;
    report({
      at: { rule: rules[k]! },
      message: `the jump to KUBE-NODEPORTS is rule ${k + 1} of ${rules.length} in nat KUBE-SERVICES; ${after.length} rule${after.length > 1 ? "s" : ""} after it ${after.length > 1 ? "are" : "is"} only tried for traffic that is not to a local address`,
      related: after.slice(0, 10).map((r) => ({ rule: r, message: "comes after the KUBE-NODEPORTS jump" })),
    });
  },
});
