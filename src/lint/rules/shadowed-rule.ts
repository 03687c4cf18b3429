import type { Target } from "../../model/ast.js";
import { printTarget } from "../../model/print.js";
import { shadowedRules } from "../shadow.js";
import { duplicates } from "./duplicate-rule.js";
import { defineRule } from "../types.js";

export const shadowedRule = defineRule({
  id: "shadowed-rule",
  severity: "warning",
  title: "Rule can never match: earlier rules take every packet it could see",
  tags: ["netfilter", "correctness"],
  rationale: `Rules of a chain are tried in order, and a rule that ends the traversal (ACCEPT, DROP,
REJECT, RETURN, a NAT target, a \`-g\`, or a jump to a chain that always decides) takes its packets away
from the rules after it. When earlier rules take every packet a rule could match, the rule is dead: its
action never happens. When one of those earlier rules has a *different* action, the rule set probably
does not do what its author meant (an ACCEPT placed after a broader DROP).

The finding lists a minimal set of earlier rules that together take all of the rule's packets. The
analysis is exact where it reports: a rule some packet can reach is never reported. Conditions iptlens
cannot represent make it cautious: an earlier rule with such a condition (\`-m set\`, \`-m recent\`,
\`-m statistic\`, an unknown module) is never assumed to take packets, and a rule in between that may
change the mark or conntrack state (MARK, CONNMARK, a jump to a chain that does) stops earlier rules
that test those fields from counting. Exact duplicates are reported by \`duplicate-rule\` instead.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 192.0.2.0/24 -j DROP
-A INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 192.0.2.0/24 -j DROP
COMMIT
`,
  },
  check(ctx, report) {
    const skipDups = ctx.isEnabled("duplicate-rule");
    for (const t of ctx.ruleset.tables) {
      const dups = skipDups ? new Set(duplicates(ctx, t).map((d) => d.rule)) : new Set();
      for (const c of t.chains)
        for (const s of shadowedRules(ctx, t, c, (r) => dups.has(r))) {
          const action = (tg: Target | null) => (tg ? printTarget(tg, ctx.family) : "no target");
          const mine = action(s.rule.target);
          const idx = s.blockers.map((b) => ctx.position(b).index);
          const different = s.blockers.filter((b) => action(b.target) !== mine);
          const diffText = different.length
            ? `; ${different.map((b) => `rule ${ctx.position(b).index} has a different action (${action(b.target)})`).join(", ")}`
            : "";
          report({
            at: { rule: s.rule },
            message: `rule ${s.index} of ${c.name} can never match: blocked by rule${idx.length > 1 ? "s" : ""} ${idx.join(", ")}${diffText}`,
            related: s.blockers.map((b) => ({ rule: b, message: `takes these packets first (${action(b.target)})` })),
          });
        }
    }
  },
});
