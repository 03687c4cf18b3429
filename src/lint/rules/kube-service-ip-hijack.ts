import { addrKey, formatAddr, type IpAddr } from "../../net/addr.js";
import { defineRule } from "../types.js";
import { kubeProtocol, type Entry } from "../../kube/index.js";

type AddressEntry = Entry & { readonly addr: IpAddr };

export const kubeServiceIpHijack = defineRule({
  id: "kube-service-ip-hijack",
  severity: "error",
  title: "A service captures traffic meant for a node or another service",
  tags: ["kube-proxy", "security"],
  rationale: `kube-proxy DNATs traffic to a service's external IPs and load-balancer IPs on every node, in
PREROUTING and OUTPUT, before any routing decision. Whoever can set \`spec.externalIPs\` (or a load
balancer status) can therefore capture traffic for any address: set it to a node's IP and connections to
that node's port (the API server, SSH, kubelet) go to the attacker's pods; set it to another service's
cluster IP and that service's clients are captured (CVE-2020-8554). Two services claiming the same IP,
port and protocol is the same conflict: the first rule in \`KUBE-SERVICES\` wins, silently.

Node addresses come from \`--node-ip\`; without them only conflicts between services are checked.`,
  bad: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-EXT-MD4WYBZK3TIKC6LR - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-MD4WYBZK3TIKC6LR - [0:0]
:KUBE-SEP-TU5OGWVKFJACOA4Y - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-EXT-MD4WYBZK3TIKC6LR -j KUBE-SVC-MD4WYBZK3TIKC6LR
-A KUBE-SERVICES -d 10.96.50.50/32 -p tcp -m comment --comment "evil/grab:ssh cluster IP" -m tcp --dport 22 -j KUBE-SVC-MD4WYBZK3TIKC6LR
-A KUBE-SERVICES -d 192.168.49.2/32 -p tcp -m comment --comment "evil/grab:ssh external IP" -m tcp --dport 22 -j KUBE-EXT-MD4WYBZK3TIKC6LR
-A KUBE-SVC-MD4WYBZK3TIKC6LR -m comment --comment "evil/grab:ssh -> 10.244.1.66:22" -j KUBE-SEP-TU5OGWVKFJACOA4Y
-A KUBE-SEP-TU5OGWVKFJACOA4Y -p tcp -m comment --comment "evil/grab:ssh" -m tcp -j DNAT --to-destination 10.244.1.66:22
COMMIT
`,
    facts: { nodeIps: ["192.168.49.2"] },
  },
  good: {
    dump: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-EXT-MD4WYBZK3TIKC6LR - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-MD4WYBZK3TIKC6LR - [0:0]
:KUBE-SEP-TU5OGWVKFJACOA4Y - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-EXT-MD4WYBZK3TIKC6LR -j KUBE-SVC-MD4WYBZK3TIKC6LR
-A KUBE-SERVICES -d 10.96.50.50/32 -p tcp -m comment --comment "evil/grab:ssh cluster IP" -m tcp --dport 22 -j KUBE-SVC-MD4WYBZK3TIKC6LR
-A KUBE-SERVICES -d 203.0.113.7/32 -p tcp -m comment --comment "evil/grab:ssh external IP" -m tcp --dport 22 -j KUBE-EXT-MD4WYBZK3TIKC6LR
-A KUBE-SVC-MD4WYBZK3TIKC6LR -m comment --comment "evil/grab:ssh -> 10.244.1.66:22" -j KUBE-SEP-TU5OGWVKFJACOA4Y
-A KUBE-SEP-TU5OGWVKFJACOA4Y -p tcp -m comment --comment "evil/grab:ssh" -m tcp -j DNAT --to-destination 10.244.1.66:22
COMMIT
`,
    facts: { nodeIps: ["192.168.49.2"] },
  },
  check(ctx, report) {
    const f = ctx.family;
    const withIp = ctx.kube().entries.filter((e): e is AddressEntry => e.addr !== undefined);
    const what = (e: Entry) => `${e.service} ${e.via}`;
    const portText = (e: Entry) => `${kubeProtocol(e.proto) ?? e.proto ?? "any"}/${e.port ?? "any"}`;

    // Two services on one IP, port and protocol.
    const byKey = new Map<string, Entry>();
    for (const e of withIp) {
      const key = `${e.addr.value}/${e.proto}/${e.port}`;
      const first = byKey.get(key);
      if (!first) {
        byKey.set(key, e);
        continue;
      }
      if (first.service === e.service) continue;
      report({
        at: { rule: e.rule },
        message: `${what(e)} ${formatAddr(e.addr)} ${portText(e)} is also claimed by ${what(first)}; the earlier rule takes all of it`,
        related: [{ rule: first.rule, message: `${what(first)} claims the same address, port and protocol` }],
      });
    }

    // External and load-balancer IPs that are a node's address or another service's cluster IP.
    const clusterIps = new Map<bigint, Entry>();
    for (const e of withIp) if (e.via === "cluster IP" && !clusterIps.has(e.addr.value)) clusterIps.set(e.addr.value, e);
    const nodes = new Set((ctx.facts.nodeIps ?? []).filter((a) => a.family === f).map(addrKey));
    for (const e of withIp) {
      if (e.via === "cluster IP") continue;
      if (nodes.has(addrKey({ family: f, value: e.addr.value })))
        report({
          at: { rule: e.rule },
          message: `${what(e)} ${formatAddr(e.addr)} is this node's address: connections to the node's ${portText(e)} go to the service's endpoints instead (CVE-2020-8554)`,
        });
      const other = clusterIps.get(e.addr.value);
      if (other && other.service.split(":")[0] !== e.service.split(":")[0])
        report({
          at: { rule: e.rule },
          message: `${what(e)} ${formatAddr(e.addr)} is the cluster IP of ${other.service}: it captures traffic meant for that service (CVE-2020-8554)`,
          related: [{ rule: other.rule, message: `${other.service} cluster IP` }],
        });
    }
  },
});
