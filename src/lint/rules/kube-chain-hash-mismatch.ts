import type { Rule } from "../../model/ast.js";
import { defineRule } from "../types.js";
import {
  dnatDestination,
  endpointComment,
  endpointHash,
  isServiceChain,
  isServicePortName,
  jumpTarget,
  KUBE_PROTOCOLS,
  kubeProtocol,
  parseServiceChain,
  ruleComment,
  ruleProto,
  serviceChainName,
  servicePortHash,
  servicePortName,
} from "../../kube/index.js";

interface Evidence {
  readonly portName: string;
  /** Lower-case protocol when the rule says it. */
  readonly proto?: string;
  readonly endpoint?: string;
  readonly rule: Rule;
}

export const kubeChainHashMismatch = defineRule({
  id: "kube-chain-hash-mismatch",
  severity: "warning",
  title: "A kube-proxy service or endpoint chain name is not the hash of the service it serves",
  tags: ["kube-proxy", "correctness"],
  rationale: `kube-proxy names a service port's chains \`KUBE-SVC-\`, \`KUBE-SVL-\`, \`KUBE-EXT-\`,
\`KUBE-FW-\` (and, before 1.23, \`KUBE-XLB-\`) plus the first 16 characters of
base32(sha256(servicePortName + protocol)), and an endpoint's chain \`KUBE-SEP-\` plus the same hash of
servicePortName + protocol + "ip:port". The comments on its rules name the service port and endpoint, so
the name can be checked. A name that does not match was written by hand or by another tool, or the
comments were edited: kube-proxy will not recognise the chain as its own and will neither update nor
delete it, and whoever reads the rules is misled about which service the chain serves.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAAAAAAAAAAAAAAA
-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
COMMIT
`,
  },
  check(ctx, report) {
    const cat = ctx.kube();
    if (!cat.nat) return;
    const evidence = new Map<string, Evidence[]>();
    const add = (chain: string, e: Evidence) => {
      const l = evidence.get(chain);
      if (l) l.push(e);
      else evidence.set(chain, [e]);
    };
    for (const c of cat.nat.chains)
      for (const r of c.rules) {
        const comment = ruleComment(r);
        if (!comment) continue;
        const proto = kubeProtocol(ruleProto(r));
        const target = jumpTarget(r);
        const ep = endpointComment(comment);
        const inService = isServiceChain(parseServiceChain(c.name)?.kind);
        if (target?.startsWith("KUBE-SEP-") && ep && isServicePortName(ep.service)) {
          add(target, { portName: ep.service, endpoint: ep.endpoint, rule: r });
          if (inService) add(c.name, { portName: ep.service, rule: r });
          continue;
        }
        const name = servicePortName(comment)?.name;
        if (!name) continue;
        if (c.name.startsWith("KUBE-SEP-")) {
          const dest = dnatDestination(r, ctx.family);
          if (dest) add(c.name, { portName: name, endpoint: dest, rule: r, ...(proto ? { proto } : {}) });
          continue;
        }
        if (target && isServiceChain(parseServiceChain(target)?.kind)) add(target, { portName: name, rule: r, ...(proto ? { proto } : {}) });
        if (inService) add(c.name, { portName: name, rule: r, ...(proto ? { proto } : {}) });
      }

    for (const [name, ev] of evidence) {
      const kc = cat.chains.get(name);
      if (!kc) continue;
      const protos = (e: Evidence) => (e.proto ? [e.proto] : KUBE_PROTOCOLS);
      const expected = (e: Evidence) =>
        protos(e).map((p) => (e.endpoint !== undefined ? endpointHash(e.portName, p, e.endpoint) : servicePortHash(e.portName, p)));
      // For endpoint chains, the DNAT rule (the endpoint it really serves) outranks comments elsewhere.
      const own = ev.filter((e) => kc.chain.rules.includes(e.rule));
      const judged = kc.kind === "sep" && own.length ? own : ev;
      if (judged.some((e) => expected(e).includes(kc.hash))) continue;
      const e = judged[0]!;
      const want = expected(e).map((h) => serviceChainName(kc.kind, h));
      const what = e.endpoint !== undefined ? `${e.portName} endpoint ${e.endpoint}` : e.portName;
      report({
        at: { chain: kc.chain, table: cat.nat },
        message: `${name} is not kube-proxy's name for ${what}${e.proto ? `/${e.proto}` : ""} (expected ${want.length === 1 ? want[0] : `one of ${want.join(", ")}`}); hand-edited or written by another tool`,
        related: [{ rule: e.rule, message: `names ${what}` }],
      });
    }
  },
});
