import { defineRule } from "../types.js";

export const undefinedChain = defineRule({
  id: "undefined-chain",
  severity: "error",
  title: "Jump or goto to a chain that is not declared in the table",
  tags: ["netfilter", "correctness"],
  rationale: `A \`-j NAME\` or \`-g NAME\` whose chain does not exist in the same table makes
\`iptables-restore\` refuse the whole table ("Couldn't load target"), so none of the table's rules are
installed. Chains are per table: a \`KUBE-SERVICES\` in \`nat\` does not make one in \`filter\`.

Jumps to \`KUBE-MARK-DROP\` are reported by \`kube-mark-drop-missing\` instead, with kube-proxy's context.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j SSH-ALLOW
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:SSH-ALLOW - [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j SSH-ALLOW
-A SSH-ALLOW -s 192.0.2.0/24 -j ACCEPT
COMMIT
`,
  },
  check(ctx, report) {
    const deferDrop = ctx.isEnabled("kube-mark-drop-missing");
    for (const t of ctx.ruleset.tables) {
      const chains = ctx.chains(t);
      for (const c of t.chains)
        for (const r of c.rules) {
          if (r.target?.kind !== "jump" || chains.has(r.target.chain)) continue;
          if (deferDrop && r.target.chain === "KUBE-MARK-DROP") continue;
          report({
            at: { rule: r },
            message: `${r.target.goto ? "goto" : "jump"} to chain ${r.target.chain}, which is not declared in table ${t.name}; iptables-restore refuses the table`,
          });
        }
    }
  },
});
