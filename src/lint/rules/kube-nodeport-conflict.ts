import { defineRule } from "../types.js";
import { kubeProtocol, type Entry } from "../../kube/index.js";

export const kubeNodeportConflict = defineRule({
  id: "kube-nodeport-conflict",
  severity: "error",
  title: "Two service ports claim the same NodePort and protocol",
  tags: ["kube-proxy", "correctness"],
  rationale: `The API server allocates each NodePort to one service port per protocol, so kube-proxy never
writes two \`KUBE-NODEPORTS\` rules for the same port and protocol to different services. When a dump has
them, the first rule takes every connection and the second service is unreachable on that port: two
clusters' or two kube-proxies' rules were merged, or someone added NodePort rules by hand.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-EXT-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-EXT-S6GYCJULEJ2HSKT7 - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SEP-ZBVVPOHL4ZYRENU6 - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SVC-S6GYCJULEJ2HSKT7 - [0:0]
-A KUBE-NODEPORTS -p tcp -m comment --comment "shop/frontend:http" -m tcp --dport 30080 -j KUBE-EXT-PY4JZH2ITZYEO4CN
-A KUBE-NODEPORTS -p tcp -m comment --comment "shop/checkout:https" -m tcp --dport 30080 -j KUBE-EXT-S6GYCJULEJ2HSKT7
-A KUBE-EXT-PY4JZH2ITZYEO4CN -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-EXT-S6GYCJULEJ2HSKT7 -j KUBE-SVC-S6GYCJULEJ2HSKT7
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-S6GYCJULEJ2HSKT7 -m comment --comment "shop/checkout:https -> 10.244.1.11:8443" -j KUBE-SEP-ZBVVPOHL4ZYRENU6
-A KUBE-SEP-ZBVVPOHL4ZYRENU6 -p tcp -m comment --comment "shop/checkout:https" -m tcp -j DNAT --to-destination 10.244.1.11:8443
COMMIT
`,
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-EXT-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-EXT-S6GYCJULEJ2HSKT7 - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-SEP-VLRIKT2CY7OJ3PEU - [0:0]
:KUBE-SEP-ZBVVPOHL4ZYRENU6 - [0:0]
:KUBE-SVC-PY4JZH2ITZYEO4CN - [0:0]
:KUBE-SVC-S6GYCJULEJ2HSKT7 - [0:0]
-A KUBE-NODEPORTS -p tcp -m comment --comment "shop/frontend:http" -m tcp --dport 30080 -j KUBE-EXT-PY4JZH2ITZYEO4CN
-A KUBE-NODEPORTS -p tcp -m comment --comment "shop/checkout:https" -m tcp --dport 31443 -j KUBE-EXT-S6GYCJULEJ2HSKT7
-A KUBE-EXT-PY4JZH2ITZYEO4CN -j KUBE-SVC-PY4JZH2ITZYEO4CN
-A KUBE-EXT-S6GYCJULEJ2HSKT7 -j KUBE-SVC-S6GYCJULEJ2HSKT7
-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU
-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-S6GYCJULEJ2HSKT7 -m comment --comment "shop/checkout:https -> 10.244.1.11:8443" -j KUBE-SEP-ZBVVPOHL4ZYRENU6
-A KUBE-SEP-ZBVVPOHL4ZYRENU6 -p tcp -m comment --comment "shop/checkout:https" -m tcp -j DNAT --to-destination 10.244.1.11:8443
COMMIT
`,
  },
  check(ctx, report) {
    const seen = new Map<string, Entry>();
    for (const e of ctx.kube().entries) {
      if (e.via !== "nodePort" || e.port === undefined) continue;
      const key = `${e.proto}/${e.port}`;
      const first = seen.get(key);
      if (!first) seen.set(key, e);
      else if (first.service !== e.service)
        report({
          at: { rule: e.rule },
          message: `NodePort ${kubeProtocol(e.proto) ?? e.proto}/${e.port} of ${e.service} is also the NodePort of ${first.service}; the earlier rule takes every connection`,
          related: [{ rule: first.rule, message: `${first.service} NodePort` }],
        });
    }
  },
});
