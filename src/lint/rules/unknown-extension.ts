import { defineRule } from "../types.js";

export const unknownExtension = defineRule({
  id: "unknown-extension",
  severity: "info",
  title: "Match or target that iptlens does not model",
  tags: ["netfilter"],
  rationale: `iptlens keeps a match or target it does not model verbatim, so printing round-trips, but it
cannot say which packets such a match takes or what such a target does (the example uses \`geoip\`
from xtables-addons). Analyses stay correct by
treating it as unknown: \`shadowed-rule\` never counts a rule with an unknown match as taking packets,
and \`explain\` reports the assumption it had to make. This finding lists where that happens, so that a
missing result is not mistaken for a clean one.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -m geoip --src-cc ZZ -j DROP
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -s 203.0.113.0/24 -j DROP
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables)
      for (const c of t.chains)
        for (const r of c.rules) {
          const mods = [...new Set(r.matches.filter((m) => m.kind === "opaque-match").map((m) => m.module))];
          for (const m of mods) report({ at: { rule: r }, message: `-m ${m} is not modelled; its conditions are treated as unknown` });
          if (r.target?.kind === "opaque-target") report({ at: { rule: r }, message: `-j ${r.target.name} is not modelled; what it does is treated as unknown` });
        }
  },
});
