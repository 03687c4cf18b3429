import { defineRule } from "../types.js";

const TWO31 = 2 ** 31;

/**
 * Whether a probability read from a dump is kube-proxy's 1/n: the kernel keeps lround(p · 2^31)
 * (iptables-save prints it back with 11 decimals), and kube-proxy has written p with 10 decimals
 * (`%0.10f`, since 1.19) or, earlier, 5 (`%0.5f`).
 */
export function isLadderProbability(p: number, n: number): boolean {
  const want = 1 / n;
  if (Math.abs(p - want) <= 1.5 / TWO31 + 1e-10) return true;
  const five = Math.round(want * 1e5) / 1e5;
  return Math.abs(p - Math.round(five * TWO31) / TWO31) <= 1.5 / TWO31;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 3 : 1)}%`;

export const kubeProbabilityLadder = defineRule({
  id: "kube-probability-ladder",
  severity: "error",
  title: "A service chain's statistic ladder does not give each endpoint an equal share",
  tags: ["kube-proxy", "correctness"],
  rationale: `kube-proxy spreads a service's connections over n endpoints with a ladder of
\`-m statistic --mode random --probability p\` rules: the first has 1/n, the next 1/(n-1), …, and the
last endpoint's rule has no statistic match at all, so that every packet that lost the earlier draws is
DNATed. A wrong step skews the load (an endpoint gets too much or nothing), and a statistic match on the
last rule lets some connections fall out of the chain without DNAT: they go to the service IP itself and
time out.

The kernel stores the probability as a 31-bit fraction (\`0.33333333349\` for 1/3), and kube-proxy
before 1.19 wrote 5 decimals (\`0.33333\`, read back as \`0.33332999982\`); both are accepted.
Session-affinity rules (\`-m recent --rcheck\`) are not part of the ladder.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SEP-NRSKHYXXR2DDMEVI - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SEP-XQ5XPRT6YND4XJOV - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SERVICES - [0:0]
-A KUBE-SEP-NRSKHYXXR2DDMEVI -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.3.9:8080
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SEP-XQ5XPRT6YND4XJOV -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.2.7:8080
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.2.7:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-XQ5XPRT6YND4XJOV
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.3.9:8080" -j KUBE-SEP-NRSKHYXXR2DDMEVI
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SEP-NRSKHYXXR2DDMEVI - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SEP-XQ5XPRT6YND4XJOV - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SERVICES - [0:0]
-A KUBE-SEP-NRSKHYXXR2DDMEVI -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.3.9:8080
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SEP-XQ5XPRT6YND4XJOV -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.2.7:8080
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.2.7:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-XQ5XPRT6YND4XJOV
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.3.9:8080" -j KUBE-SEP-NRSKHYXXR2DDMEVI
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
COMMIT
`,
  },
  check(ctx, report) {
    for (const kc of ctx.kube().chains.values()) {
      if (!kc.ladder?.steps.length) continue;
      const { steps, left } = kc.ladder;
      const n = steps.length;
      const shareText = `endpoint shares ${steps.map((s) => pct(s.share)).join(", ")}${left > 1e-9 ? `, ${pct(left)} not DNATed` : ""}`;
      steps.forEach(({ rule: r, probability: p }, k) => {
        const last = k === n - 1;
        let problem: string | undefined;
        if (p === "nth" || p === "negated") problem = `uses a ${p === "nth" ? "non-random" : "negated"} statistic match; kube-proxy only writes --mode random`;
        else if (last && p !== undefined)
          problem = `the last endpoint rule has a statistic match (probability ${p}); packets that lose every draw leave the chain without DNAT`;
        else if (!last && p === undefined) problem = `endpoint ${k + 1} of ${n} takes every remaining packet; the ${n - k - 1} endpoint rule(s) after it get nothing`;
        else if (!last && typeof p === "number" && !isLadderProbability(p, n - k))
          problem = `endpoint ${k + 1} of ${n} has probability ${p}; an equal share needs 1/${n - k} (${(1 / (n - k)).toFixed(10)}) at this step`;
        if (problem) report({ at: { rule: r }, message: `${kc.chain.name}: ${problem} (${shareText})` });
      });
    }
  },
});
