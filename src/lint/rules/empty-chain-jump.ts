import { defineRule } from "../types.js";

export const emptyChainJump = defineRule({
  id: "empty-chain-jump",
  severity: "info",
  title: "Jump to a chain that has no rules",
  tags: ["netfilter", "hygiene"],
  rationale: `Jumping to an empty chain does nothing: the packet returns at once and continues with the
next rule (after a \`-g\`, it returns to the calling chain's caller). kube-proxy, Calico and Docker all
create hook chains that are empty until there is something to put in them (\`KUBE-FIREWALL\`,
\`DOCKER-USER\` …), so this is information, not a problem: it shows where a rule set can be extended, or
a chain someone expected to hold rules.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:LOCAL-POLICY - [0:0]
-A FORWARD -j LOCAL-POLICY
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:LOCAL-POLICY - [0:0]
-A FORWARD -j LOCAL-POLICY
-A LOCAL-POLICY -d 203.0.113.0/24 -j DROP
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables) {
      const chains = ctx.chains(t);
      for (const c of t.chains)
        for (const r of c.rules) {
          if (r.target?.kind !== "jump") continue;
          const callee = chains.get(r.target.chain);
          if (!callee || callee.rules.length || callee.builtin) continue;
          report({
            at: { rule: r },
            message: `${r.target.goto ? "goto" : "jump"} to ${callee.name}, which has no rules (the packet ${r.target.goto ? "returns to this chain's caller" : "continues with the next rule"})`,
            related: callee.loc ? [{ chain: callee, table: t, message: `${callee.name} is declared here, empty` }] : [],
          });
        }
    }
  },
});
