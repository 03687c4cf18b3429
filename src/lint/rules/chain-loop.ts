import type { Rule } from "../../model/ast.js";
import { defineRule } from "../types.js";

export const chainLoop = defineRule({
  id: "chain-loop",
  severity: "error",
  title: "Jumps between user chains form a loop",
  tags: ["netfilter", "correctness"],
  rationale: `The kernel checks, when a table is loaded, that no chain can reach itself through jumps and
gotos (\`mark_source_chains\` in x_tables): a loop makes \`iptables-restore\` fail with "Too many levels
of symbolic links" (ELOOP) and nothing of the table is installed. The check is on the jump graph, not on
packets: a loop is refused even when the rules' conditions mean no packet could go round it.`,
  bad: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A INPUT -j A
-A A -p tcp -j B
-A B -p udp -j A
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A INPUT -j A
-A A -p tcp -j B
-A B -p udp -j ACCEPT
COMMIT
`,
  },
  check(ctx, report) {
    for (const t of ctx.ruleset.tables) {
      const chains = ctx.chains(t);
      // Tarjan's strongly connected components over the jump graph (iterative).
      const index = new Map<string, number>();
      const low = new Map<string, number>();
      const onStack = new Set<string>();
      const stack: string[] = [];
      const sccs: string[][] = [];
      let next = 0;
      const succ = (n: string) =>
        (chains.get(n)?.rules ?? []).flatMap((r) => (r.target?.kind === "jump" && chains.has(r.target.chain) ? [r.target.chain] : []));
      for (const root of t.chains.map((c) => c.name)) {
        if (index.has(root)) continue;
        const work: [string, string[], number][] = [[root, succ(root), 0]];
        index.set(root, next);
        low.set(root, next++);
        stack.push(root);
        onStack.add(root);
        while (work.length) {
          const top = work[work.length - 1]!;
          const [v, out] = top;
          if (top[2] < out.length) {
            const w = out[top[2]++]!;
            if (!index.has(w)) {
              index.set(w, next);
              low.set(w, next++);
              stack.push(w);
              onStack.add(w);
              work.push([w, succ(w), 0]);
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
            continue;
          }
          work.pop();
          if (work.length) {
            const u = work[work.length - 1]![0];
            low.set(u, Math.min(low.get(u)!, low.get(v)!));
          }
          if (low.get(v) === index.get(v)) {
            const comp: string[] = [];
            let w: string;
            do {
              w = stack.pop()!;
              onStack.delete(w);
              comp.push(w);
            } while (w !== v);
            sccs.push(comp);
          }
        }
      }
      for (const comp of sccs) {
        // A single chain is a loop only when it jumps to itself.
        if (comp.length === 1 && !succ(comp[0]!).includes(comp[0]!)) continue;
        const members = new Set(comp);
        const edges: Rule[] = [];
        for (const c of t.chains)
          if (members.has(c.name))
            for (const r of c.rules) if (r.target?.kind === "jump" && members.has(r.target.chain)) edges.push(r);
        if (!edges.length) continue; // a single chain without a self-jump
        const [first, ...rest] = edges;
        const names = t.chains.filter((c) => members.has(c.name)).map((c) => c.name);
        report({
          at: { rule: first! },
          message: `chains ${names.join(", ")} jump to each other in a loop; the kernel refuses table ${t.name} (ELOOP)`,
          related: rest.map((r) => ({ rule: r, message: `also part of the loop (${r.chain} → ${(r.target as { chain: string }).chain})` })),
        });
      }
    }
  },
});
