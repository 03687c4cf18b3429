import type { Rule } from "../../model/ast.js";
import { defineRule } from "../types.js";
import { markTargetBits, markTestBits } from "./kube-masq-mark-mismatch.js";

const hex = (n: number) => `0x${n.toString(16)}`;

export const kubeMarkDropMissing = defineRule({
  id: "kube-mark-drop-missing",
  severity: "error",
  title: "KUBE-MARK-DROP is used but not defined, or its mark is never dropped",
  tags: ["kube-proxy", "correctness"],
  rationale: `kube-proxy before 1.28 (and kubelet, which owned the chain) sent packets to be dropped through
nat \`KUBE-MARK-DROP\`, which sets the drop bit (\`0x8000\`), and filter \`KUBE-FIREWALL\` dropped packets
carrying it. kubelet stopped creating the chain in 1.28 (KEP-3178): a rule set that still jumps to it
fails to load ("Couldn't load target KUBE-MARK-DROP") — exactly what happens when an old kube-proxy or a
hand-written script meets a new kubelet. If the chain exists but sets no mark, or no filter rule drops
the mark, packets meant to be dropped (load-balancer source ranges, services without local endpoints)
go through.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-FW-TG4Y7II5EGIOXNPD - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SEP-7CDMZDD7FHVYWMVH - [0:0]
:KUBE-SVC-TG4Y7II5EGIOXNPD - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 198.51.100.20/32 -p tcp -m comment --comment "shop/api:grpc loadbalancer IP" -m tcp --dport 9090 -j KUBE-FW-TG4Y7II5EGIOXNPD
-A KUBE-FW-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc loadbalancer IP" -j KUBE-MARK-DROP
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-FW-TG4Y7II5EGIOXNPD -s 203.0.113.0/24 -m comment --comment "shop/api:grpc loadbalancer IP" -j KUBE-SVC-TG4Y7II5EGIOXNPD
-A KUBE-SVC-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc -> 10.244.1.14:9090" -j KUBE-SEP-7CDMZDD7FHVYWMVH
-A KUBE-SEP-7CDMZDD7FHVYWMVH -p tcp -m comment --comment "shop/api:grpc" -m tcp -j DNAT --to-destination 10.244.1.14:9090
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-FW-TG4Y7II5EGIOXNPD - [0:0]
:KUBE-MARK-DROP - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SEP-7CDMZDD7FHVYWMVH - [0:0]
:KUBE-SVC-TG4Y7II5EGIOXNPD - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 198.51.100.20/32 -p tcp -m comment --comment "shop/api:grpc loadbalancer IP" -m tcp --dport 9090 -j KUBE-FW-TG4Y7II5EGIOXNPD
-A KUBE-FW-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc loadbalancer IP" -j KUBE-MARK-DROP
-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-FW-TG4Y7II5EGIOXNPD -s 203.0.113.0/24 -m comment --comment "shop/api:grpc loadbalancer IP" -j KUBE-SVC-TG4Y7II5EGIOXNPD
-A KUBE-SVC-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc -> 10.244.1.14:9090" -j KUBE-SEP-7CDMZDD7FHVYWMVH
-A KUBE-SEP-7CDMZDD7FHVYWMVH -p tcp -m comment --comment "shop/api:grpc" -m tcp -j DNAT --to-destination 10.244.1.14:9090
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables) {
      const chains = ctx.chains(t);
      const refs = ctx.references(t).get("KUBE-MARK-DROP") ?? [];
      if (!refs.length) continue;
      const chain = chains.get("KUBE-MARK-DROP");
      if (!chain) {
        const [first, ...rest] = refs;
        report({
          at: { rule: first! },
          message: `jump to KUBE-MARK-DROP, which is not declared in table ${t.name} (kubelet no longer creates it since 1.28); iptables-restore refuses the table`,
          related: rest.map((r: Rule) => ({ rule: r, message: "also jumps to KUBE-MARK-DROP" })),
        });
        continue;
      }
      const bits = chain.rules.reduce((m, r) => m | (markTargetBits(r, ctx.family)?.sets ?? 0), 0) >>> 0;
      if (!bits) {
        report({ at: { chain, table: t }, message: "KUBE-MARK-DROP sets no mark bit: packets sent to it are not dropped" });
        continue;
      }
      const filter = ctx.table("filter");
      if (!filter) continue;
      const drops = filter.chains.some((c) =>
        c.rules.some((r) => r.target?.kind === "verdict" && r.target.verdict === "DROP" && ((markTestBits(r, ctx.family) ?? 0) & bits) !== 0),
      );
      if (!drops)
        report({
          at: { chain, table: t },
          message: `KUBE-MARK-DROP sets mark ${hex(bits)}, but no filter rule drops packets with that mark (kubelet's KUBE-FIREWALL rule is missing)`,
        });
    }
  },
});
