import { parseServiceChain } from "../../kube/index.js";
import { defineRule } from "../types.js";

/**
 * Chains real components create on purpose and may leave unreferenced: kube-proxy's and kubelet's fixed
 * chains (canaries that detect a flush, the iptables-mode hint, KUBE-MARK-DROP/-MASQ kept for other
 * components), Docker's skeleton (DOCKER-USER, DOCKER-INGRESS …), ufw's skeleton (ufw-user-limit …).
 * Per-service kube-proxy chains are judged by kube-stale-chain instead.
 */
const PLACEHOLDERS: readonly RegExp[] = [/^KUBE-/, /^DOCKER($|-)/, /^ufw6?-/];

export function isPlaceholderChain(name: string): boolean {
  return !parseServiceChain(name) && PLACEHOLDERS.some((p) => p.test(name));
}

export const unusedChain = defineRule({
  id: "unused-chain",
  severity: "warning",
  title: "User chain that no rule jumps to",
  tags: ["netfilter", "hygiene"],
  rationale: `A user-defined chain that no \`-j\`/\`-g\` references is never traversed: its rules have no
effect. Usually it is left over from a component that was removed, or a jump to it was lost (a typo in
the jumping rule's target, a rule deleted by hand).

Chains that components create on purpose without always referencing them are not reported: kube-proxy's
and kubelet's fixed chains (\`KUBE-KUBELET-CANARY\`, \`KUBE-PROXY-CANARY\`, \`KUBE-IPTABLES-HINT\`,
\`KUBE-MARK-DROP\` …), Docker's (\`DOCKER-USER\`, \`DOCKER-INGRESS\` …) and ufw's skeleton chains.
Per-service kube-proxy chains (\`KUBE-SVC-…\`, \`KUBE-SEP-…\`) are reported by \`kube-stale-chain\`.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:ALLOW-MONITORING - [0:0]
-A ALLOW-MONITORING -s 192.0.2.10/32 -p tcp -m tcp --dport 9100 -j ACCEPT
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:ALLOW-MONITORING - [0:0]
-A INPUT -j ALLOW-MONITORING
-A ALLOW-MONITORING -s 192.0.2.10/32 -p tcp -m tcp --dport 9100 -j ACCEPT
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables) {
      const refs = ctx.references(t);
      for (const c of t.chains) {
        if (c.builtin || refs.has(c.name) || isPlaceholderChain(c.name) || parseServiceChain(c.name)) continue;
        report({
          at: { chain: c, table: t },
          message: `chain ${c.name} (${c.rules.length} rule${c.rules.length === 1 ? "" : "s"}) is never jumped to; its rules have no effect`,
        });
      }
    }
  },
});
