import type { Rule } from "../../model/ast.js";
import { formatAddr } from "../../net/addr.js";
import { FIELD_INDEX } from "../../space/fields.js";
import { IntervalSet } from "../../space/sets.js";
import type { LintContext } from "../context.js";
import { defineRule } from "../types.js";
import { kubeProtocol, reachableEndpoints, type Entry } from "../../kube/index.js";

/** Whether a filter REJECT/DROP rule takes traffic to this entry's address (or any), protocol and port. */
function refused(ctx: LintContext, e: Entry, rules: readonly Rule[]): Rule | undefined {
  for (const r of rules) {
    const t = r.target;
    const action = t?.kind === "verdict" ? t.verdict : t?.kind === "target" || t?.kind === "opaque-target" ? t.name : undefined;
    if (action !== "REJECT" && action !== "DROP") continue;
    const s = ctx.space(r).over;
    const ok = s.cubes.some((c) => {
      const has = (field: "dst" | "dport" | "proto", v: bigint | undefined) => {
        const set = c.sets[FIELD_INDEX[field]];
        return set === undefined || (v !== undefined && (set as IntervalSet).has(v));
      };
      return (
        (e.addr === undefined ? true : has("dst", e.addr.value)) &&
        has("dport", e.port === undefined ? undefined : BigInt(e.port)) &&
        has("proto", e.proto === undefined ? undefined : BigInt(e.proto))
      );
    });
    if (ok) return r;
  }
  return undefined;
}

export const kubeServiceNoEndpoints = defineRule({
  id: "kube-service-no-endpoints",
  severity: "warning",
  title: "A service port with no endpoints and no REJECT or DROP rule",
  tags: ["kube-proxy", "correctness"],
  rationale: `When a service port has no ready endpoints, kube-proxy does not leave its address unhandled: it
adds a filter rule that REJECTs connections to it (\`… has no endpoints\`), or DROPs them when only local
endpoints count (\`… has no local endpoints\`), so that clients fail fast. A nat rule that sends the
service's traffic to chains with no endpoint at all, and no such filter rule, means connections are not
translated and are routed toward the virtual IP as if it were real: they hang until they time out. It is
the sign of a hand-made or half-applied rule set.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-GESD56DXQDBHXCQT - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.105.3.3/32 -p tcp -m comment --comment "shop/legacy-db:mysql cluster IP" -m tcp --dport 3306 -j KUBE-SVC-GESD56DXQDBHXCQT
COMMIT
`,
  },
  good: {
    dump: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.105.3.3/32 -p tcp -m comment --comment "shop/legacy-db:mysql has no endpoints" -m tcp --dport 3306 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-GESD56DXQDBHXCQT - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.105.3.3/32 -p tcp -m comment --comment "shop/legacy-db:mysql cluster IP" -m tcp --dport 3306 -j KUBE-SVC-GESD56DXQDBHXCQT
COMMIT
`,
  },
  check(ctx, report) {
    const cat = ctx.kube();
    if (!cat.nat) return;
    const filterRules = cat.filter ? cat.filter.chains.flatMap((c) => c.rules) : [];
    for (const e of cat.entries) {
      if (reachableEndpoints(cat, e.target).size) continue;
      if (refused(ctx, e, filterRules)) continue;
      const where = e.addr !== undefined ? `${e.via} ${formatAddr(e.addr)}` : "NodePort";
      report({
        at: { rule: e.rule },
        message: `${e.service} (${where} ${kubeProtocol(e.proto) ?? e.proto ?? "?"}/${e.port ?? "?"}) leads to no endpoint chain, and no filter rule rejects or drops its traffic: connections hang instead of failing`,
      });
    }
  },
});
