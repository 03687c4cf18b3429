import type { Rule, Table } from "../../model/ast.js";
import { printRuleSpec } from "../../model/print.js";
import type { LintContext } from "../context.js";
import { defineRule } from "../types.js";

function quickKey(r: Rule): string {
  const t = r.target;
  const target = !t ? "" : t.kind === "verdict" ? t.verdict : t.kind === "jump" ? `${t.goto ? "g" : "j"}${t.chain}` : t.name;
  return [
    target,
    r.source ? `${r.source.negated ? "!" : ""}${r.source.net.addr}/${r.source.net.mask}` : "",
    r.destination ? `${r.destination.negated ? "!" : ""}${r.destination.net.addr}/${r.destination.net.mask}` : "",
    r.inInterface?.name ?? "",
    r.outInterface?.name ?? "",
    r.protocol?.number ?? "",
    r.matches.filter((m) => m.module !== "comment").map((m) => m.module).join(","),
  ].join("|");
}

export interface Duplicate {
  readonly rule: Rule;
  readonly earlier: Rule;
}

/**
 * Rules with the same conditions (comments aside) and target as an earlier rule of their chain, that
 * see the same packets: conditions represented exactly (no random or stateful match such as statistic
 * or recent, whose repetitions differ) and no rule in between that may change a field they read.
 */
export function duplicates(ctx: LintContext, t: Table): Duplicate[] {
  return ctx.cached(`dup:${t.name}`, () => {
    const out: Duplicate[] = [];
    const eff = ctx.effects(t);
    for (const c of t.chains) {
      if (c.rules.length < 2) continue;
      // A cheap key first (modules, addresses, target); the canonical text only where it collides.
      const quick = new Map<string, number>();
      const seen = new Map<string, number>();
      const canonical = (r: Rule) => printRuleSpec({ ...r, matches: r.matches.filter((m) => m.module !== "comment") }, ctx.family);
      c.rules.forEach((r, i) => {
        const q = quickKey(r);
        const before = quick.get(q);
        quick.set(q, i);
        if (before === undefined) return;
        const prev = c.rules[before]!;
        const pk = canonical(prev);
        if (!seen.has(pk)) seen.set(pk, before);
        const key = canonical(r);
        const j = seen.get(key);
        seen.set(key, i);
        if (j === undefined) return;
        const s = ctx.space(r);
        if (!s.exact) return;
        let reads = 0;
        for (const cube of s.over.cubes) reads |= cube.constrainedMask;
        for (let k = j; k < i; k++) if (eff.effect(c.rules[k]!).mutates & reads) return;
        out.push({ rule: r, earlier: c.rules[j]! });
      });
    }
    return out;
  });
}

export const duplicateRule = defineRule({
  id: "duplicate-rule",
  severity: "warning",
  title: "Rule repeats an earlier rule of its chain",
  tags: ["netfilter", "hygiene"],
  rationale: `A rule with the same conditions and target as an earlier rule of the same chain either can
never match (the first one already ended the traversal) or does its work twice (a second \`LOG\`, a
second \`MARK\`). Repeated rules usually come from a script that appends with \`-A\` on every run instead
of checking with \`-C\` first, and they grow the rule set at each restart.

Comments are ignored in the comparison. Rules with random or stateful matches (\`statistic\`, \`recent\`,
\`limit\`, unknown modules) are not compared, and neither are two rules separated by a rule that may
change what they test (Calico re-tests the same mark after each policy chain on purpose).`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j LOG --log-prefix "ssh "
-A INPUT -p tcp -m tcp --dport 22 -j LOG --log-prefix "ssh "
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j LOG --log-prefix "ssh "
-A INPUT -p tcp -m tcp --dport 2222 -j LOG --log-prefix "ssh "
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables)
      for (const d of duplicates(ctx, t)) {
        const p = ctx.position(d.earlier);
        report({
          at: { rule: d.rule },
          message: `same conditions and target as rule ${p.index} of ${p.chain.name}`,
          related: [{ rule: d.earlier, message: "the earlier, identical rule" }],
        });
      }
  },
});
