import type { Rule } from "../../model/ast.js";
import { defineRule } from "../types.js";
import { matchWords, optionValue, targetWords } from "../../kube/index.js";

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) ? n >>> 0 : undefined;
}

function valueMask(text: string | undefined): { value: number; mask: number } | undefined {
  if (!text) return undefined;
  const [v, m] = text.split("/");
  const value = num(v);
  const mask = m === undefined ? 0xffffffff : num(m);
  return value === undefined || mask === undefined ? undefined : { value, mask };
}

/**
 * Mark bits a MARK target sets to 1, the bits it may change at all, and whether it assigns the whole
 * mark (mask 0xffffffff: a proxy's "mark this packet as mine", not a claim on particular bits).
 */
export function markTargetBits(r: Rule, family: 4 | 6): { sets: number; touches: number; whole?: boolean } | undefined {
  if (r.target?.kind !== "target" && r.target?.kind !== "opaque-target") return undefined;
  if (r.target.name !== "MARK") return undefined;
  const w = targetWords(r, family);
  const x = valueMask(optionValue(w, "--set-xmark"));
  if (x) return { sets: (x.value & x.mask) >>> 0, touches: (x.value | x.mask) >>> 0, whole: x.mask === 0xffffffff };
  const s = valueMask(optionValue(w, "--set-mark"));
  if (s) return { sets: (s.value & s.mask) >>> 0, touches: s.mask, whole: s.mask === 0xffffffff };
  const or = num(optionValue(w, "--or-mark"));
  if (or !== undefined) return { sets: or, touches: or };
  const and = num(optionValue(w, "--and-mark"));
  if (and !== undefined) return { sets: 0, touches: ~and >>> 0 };
  const xor = num(optionValue(w, "--xor-mark"));
  if (xor !== undefined) return { sets: 0, touches: xor };
  return undefined;
}

/** The bits a `-m mark --mark V/M` test requires to be 1 (V & M), when the rule has one. */
export function markTestBits(r: Rule, family: 4 | 6): number | undefined {
  const w = matchWords(r, "mark", family);
  const vm = valueMask(w && optionValue(w, "--mark"));
  return vm ? (vm.value & vm.mask) >>> 0 : undefined;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export const kubeMasqMarkMismatch = defineRule({
  id: "kube-masq-mark-mismatch",
  severity: "error",
  title: "KUBE-MARK-MASQ sets a mark bit that KUBE-POSTROUTING does not test, or that another component uses",
  tags: ["kube-proxy", "correctness"],
  rationale: `kube-proxy marks connections that need source NAT by jumping to \`KUBE-MARK-MASQ\`, which sets one
bit of the packet mark (\`--masquerade-bit\`, default 14: \`0x4000\`); \`KUBE-POSTROUTING\` masquerades
exactly the packets that carry that bit, and filter \`KUBE-FORWARD\` accepts them. If the bit set and the
bit tested differ (kube-proxy restarted with another \`--masquerade-bit\` while kubelet or an old chain
keeps the former one), hairpin and NodePort traffic is not masqueraded and replies go astray. If
another component's MARK rules change the same bit (\`KUBE-MARK-DROP\`'s drop bit, a CNI's marks), packets
are masqueraded, or not, by accident. A proxy assigning the whole mark (\`--set-xmark 0x200/0xffffffff\`,
as Cilium and Istio do for their own traffic) is only reported when the value it assigns has the bit.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x8000/0x8000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
COMMIT
`,
  },
  check(ctx, report) {
    const nat = ctx.table("nat");
    const masq = nat && ctx.chains(nat).get("KUBE-MARK-MASQ");
    if (!nat || !masq) return;
    const setters = masq.rules.filter((r) => markTargetBits(r, ctx.family));
    const bits = setters.reduce((m, r) => m | markTargetBits(r, ctx.family)!.sets, 0) >>> 0;
    if (!setters.length || !bits) {
      if ((ctx.references(nat).get("KUBE-MARK-MASQ") ?? []).length)
        report({ at: { chain: masq, table: nat }, message: "KUBE-MARK-MASQ sets no mark bit, so nothing jumping to it is ever masqueraded" });
      return;
    }
    const where = setters[0]!;
    const testers: { table: string; chain: string }[] = [
      { table: "nat", chain: "KUBE-POSTROUTING" },
      { table: "filter", chain: "KUBE-FORWARD" },
    ];
    for (const { table, chain } of testers) {
      const t = ctx.table(table);
      const c = t && ctx.chains(t).get(chain);
      if (!t || !c) continue;
      const tests = c.rules.flatMap((r) => {
        const b = markTestBits(r, ctx.family);
        return b ? [{ r, b }] : [];
      });
      if (!tests.length) {
        if (table === "nat" && c.rules.length)
          report({ at: { rule: where }, message: `KUBE-MARK-MASQ sets ${hex(bits)}, but nat KUBE-POSTROUTING tests no mark: it does not select the marked packets` });
        continue;
      }
      const bad = tests.filter((x) => x.b !== bits);
      if (bad.length === tests.length)
        report({
          at: { rule: where },
          message: `KUBE-MARK-MASQ sets mark ${hex(bits)} but ${table} ${chain} tests ${[...new Set(bad.map((x) => hex(x.b)))].join(", ")}`,
          related: bad.map((x) => ({ rule: x.r, message: `tests mark ${hex(x.b)}` })),
        });
    }
    // Other writers of the same bit.
    for (const t of ctx.ruleset.tables)
      for (const c of t.chains) {
        if (c.name === "KUBE-MARK-MASQ" || c.name === "KUBE-POSTROUTING") continue;
        const isDrop = c.name === "KUBE-MARK-DROP";
        if (c.name.startsWith("KUBE-") && !isDrop) continue;
        for (const r of c.rules) {
          const m = markTargetBits(r, ctx.family);
          // A whole-mark assignment (proxies: Cilium, Istio) only matters when it sets the bit.
          const hit = m ? (m.whole ? m.sets & bits : m.touches & bits) : 0;
          if (!hit) continue;
          report({
            at: { rule: r },
            message: `${isDrop ? "KUBE-MARK-DROP" : `chain ${c.name}`} ${m!.sets & bits ? "sets" : "changes"} mark bit(s) ${hex(hit)}, which KUBE-MARK-MASQ uses for "masquerade this"`,
            related: [{ rule: where, message: `sets ${hex(bits)}` }],
          });
        }
      }
  },
});
