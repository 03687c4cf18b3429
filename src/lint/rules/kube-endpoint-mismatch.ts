import { parseAddr, formatAddr } from "../../net/addr.js";
import { defineRule } from "../types.js";
import { dnatDestination, endpointComment, jumpTarget, ruleComment } from "../../kube/index.js";

/** `ip:port` / `[ipv6]:port` in one spelling. */
export function normalizeEndpoint(text: string): string {
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  if (!m) return text;
  const a = parseAddr(m[1]!);
  return a ? `${a.family === 6 ? `[${formatAddr(a)}]` : formatAddr(a)}:${Number(m[2])}` : text;
}

export const kubeEndpointMismatch = defineRule({
  id: "kube-endpoint-mismatch",
  severity: "error",
  title: "The endpoint named in a service chain's comment is not where the endpoint chain DNATs",
  tags: ["kube-proxy", "correctness"],
  rationale: `Since 1.22 kube-proxy comments each rule of a service's load-balancing ladder with the endpoint
it selects (\`ns/svc:port -> 10.244.1.5:8080\`), and the \`KUBE-SEP-…\` chain it jumps to DNATs to that
address. When they disagree, traffic goes to a different pod than the rules (and anyone debugging with
them) claim: the endpoint chain was edited, or chains from two different states of the cluster were mixed.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SERVICES - [0:0]
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.9.99:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
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
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SERVICES - [0:0]
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
COMMIT
`,
  },
  check(ctx, report) {
    const cat = ctx.kube();
    for (const kc of cat.chains.values()) {
      if (kc.kind === "sep") continue;
      for (const r of kc.chain.rules) {
        const target = jumpTarget(r);
        const m = endpointComment(ruleComment(r) ?? "");
        const sep = target?.startsWith("KUBE-SEP-") ? cat.natChains.get(target) : undefined;
        if (!m || !sep) continue;
        const dnats = sep.rules.filter((x) => dnatDestination(x, ctx.family) !== undefined);
        if (!dnats.length) continue; // kube-sep-without-dnat
        const want = normalizeEndpoint(m.endpoint);
        if (dnats.some((x) => normalizeEndpoint(dnatDestination(x, ctx.family)!) === want)) continue;
        report({
          at: { rule: r },
          message: `comment says ${m.service} -> ${m.endpoint}, but ${sep.name} DNATs to ${dnats.map((x) => dnatDestination(x, ctx.family)).join(", ")}`,
          related: dnats.map((x) => ({ rule: x, message: `DNAT to ${dnatDestination(x, ctx.family)}` })),
        });
      }
    }
  },
});
