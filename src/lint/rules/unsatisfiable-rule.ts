import { defineRule } from "../types.js";

export const unsatisfiableRule = defineRule({
  id: "unsatisfiable-rule",
  severity: "warning",
  title: "Rule whose own conditions contradict each other",
  tags: ["netfilter", "correctness"],
  rationale: `A rule whose conditions cannot all hold for one packet never matches, wherever it is:
\`-s 10.0.0.0/8 -m iprange --src-range 192.168.0.1-192.168.0.9\`, \`-m mark --mark 0x1/0x1 -m mark
--mark 0x0/0x1\`, \`! -i +\`. The kernel accepts such rules; they are dead code, usually a typo in an
address or mask.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -s 10.0.0.0/8 -m iprange --src-range 192.168.0.1-192.168.0.9 -j DROP
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -s 192.168.0.0/16 -m iprange --src-range 192.168.0.1-192.168.0.9 -j DROP
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables)
      for (const c of t.chains)
        for (const r of c.rules) {
          if (!ctx.space(r).over.isEmpty()) continue;
          report({ at: { rule: r }, message: "no packet can satisfy all of this rule's conditions at once; it never matches" });
        }
  },
});
