/**
 * Dumps of healthy nodes, written after what kube-proxy (both eras), kubelet, Calico, Docker, Flannel
 * and Cilium install, in iptables-save form. Lint must report nothing at warning or above on them.
 * Chain hashes are kube-proxy's real ones for the names in the comments.
 */

interface Block {
  readonly chains?: readonly string[];
  readonly rules?: readonly string[];
}
type Tables = Partial<Record<"raw" | "mangle" | "filter" | "nat", Block[]>>;

const BUILTINS: Record<string, string[]> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
};

/** iptables-save text: built-ins, user chains sorted, rules grouped by chain in block order. */
export function dump(tables: Tables): string {
  const out: string[] = [];
  for (const name of ["raw", "mangle", "filter", "nat"] as const) {
    const blocks = tables[name];
    if (!blocks) continue;
    const chains = [...new Set(blocks.flatMap((b) => b.chains ?? []))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const rules = blocks.flatMap((b) => b.rules ?? []);
    const order = [...BUILTINS[name]!, ...chains];
    out.push(`*${name}`, ...BUILTINS[name]!.map((c) => `:${c} ACCEPT [0:0]`), ...chains.map((c) => `:${c} - [0:0]`));
    for (const c of order) for (const r of rules) if (r.startsWith(`-A ${c} `)) out.push(r);
    out.push("COMMIT");
  }
  return out.join("\n") + "\n";
}

// ---- kube-proxy 1.29 (modern) -------------------------------------------------------------------------

export const kubeModern: Tables = {
  mangle: [{ chains: ["KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY", "KUBE-PROXY-CANARY"] }],
  filter: [
    {
      chains: ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY", "KUBE-NODEPORTS", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"],
      rules: [
        `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
        `-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS`,
        `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
        `-A INPUT -j KUBE-FIREWALL`,
        `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
        `-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`,
        `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
        `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
        `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A OUTPUT -j KUBE-FIREWALL`,
        `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
        `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
        `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`,
        `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A KUBE-SERVICES -d 10.105.3.3/32 -p tcp -m comment --comment "shop/legacy-db:mysql has no endpoints" -m tcp --dport 3306 -j REJECT --reject-with icmp-port-unreachable`,
        `-A KUBE-SERVICES -d 10.105.3.4/32 -p tcp -m comment --comment "shop/legacy-db2:mysql has no endpoints" -m tcp --dport 3306 -j REJECT --reject-with icmp-port-unreachable`,
      ],
    },
  ],
  nat: [
    {
      chains: [
        "KUBE-EXT-PY4JZH2ITZYEO4CN",
        "KUBE-KUBELET-CANARY",
        "KUBE-MARK-MASQ",
        "KUBE-NODEPORTS",
        "KUBE-POSTROUTING",
        "KUBE-PROXY-CANARY",
        "KUBE-SEP-NRSKHYXXR2DDMEVI",
        "KUBE-SEP-VLRIKT2CY7OJ3PEU",
        "KUBE-SEP-XQ5XPRT6YND4XJOV",
        "KUBE-SEP-RLR6ZXJXMQP3D2RN",
        "KUBE-SERVICES",
        "KUBE-SVC-NPX46M4PTMTKRN6Y",
        "KUBE-SVC-PY4JZH2ITZYEO4CN",
      ],
      rules: [
        `-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`,
        `-A KUBE-EXT-PY4JZH2ITZYEO4CN -m comment --comment "masquerade traffic for shop/frontend:http external destinations" -j KUBE-MARK-MASQ`,
        `-A KUBE-EXT-PY4JZH2ITZYEO4CN -j KUBE-SVC-PY4JZH2ITZYEO4CN`,
        `-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000`,
        `-A KUBE-NODEPORTS -d 127.0.0.0/8 -p tcp -m comment --comment "shop/frontend:http" -m tcp --dport 30080 -m nfacct --nfacct-name  localhost_nps_accepted_pkts -j KUBE-EXT-PY4JZH2ITZYEO4CN`,
        `-A KUBE-NODEPORTS -p tcp -m comment --comment "shop/frontend:http" -m tcp --dport 30080 -j KUBE-EXT-PY4JZH2ITZYEO4CN`,
        `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`,
        `-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0`,
        `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
        `-A KUBE-SEP-NRSKHYXXR2DDMEVI -s 10.244.3.9/32 -m comment --comment "shop/frontend:http" -j KUBE-MARK-MASQ`,
        `-A KUBE-SEP-NRSKHYXXR2DDMEVI -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.3.9:8080`,
        `-A KUBE-SEP-VLRIKT2CY7OJ3PEU -s 10.244.1.5/32 -m comment --comment "shop/frontend:http" -j KUBE-MARK-MASQ`,
        `-A KUBE-SEP-VLRIKT2CY7OJ3PEU -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080`,
        `-A KUBE-SEP-XQ5XPRT6YND4XJOV -s 10.244.2.7/32 -m comment --comment "shop/frontend:http" -j KUBE-MARK-MASQ`,
        `-A KUBE-SEP-XQ5XPRT6YND4XJOV -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.2.7:8080`,
        `-A KUBE-SEP-RLR6ZXJXMQP3D2RN -s 192.168.49.2/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ`,
        `-A KUBE-SEP-RLR6ZXJXMQP3D2RN -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 192.168.49.2:6443`,
        `-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y`,
        `-A KUBE-SERVICES -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PY4JZH2ITZYEO4CN`,
        `-A KUBE-SERVICES -d 203.0.113.10/32 -p tcp -m comment --comment "shop/frontend:http external IP" -m tcp --dport 80 -j KUBE-EXT-PY4JZH2ITZYEO4CN`,
        `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
        `-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ`,
        `-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 192.168.49.2:6443" -j KUBE-SEP-RLR6ZXJXMQP3D2RN`,
        `-A KUBE-SVC-PY4JZH2ITZYEO4CN ! -s 10.244.0.0/16 -d 10.101.12.34/32 -p tcp -m comment --comment "shop/frontend:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`,
        `-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-VLRIKT2CY7OJ3PEU`,
        `-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.2.7:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-XQ5XPRT6YND4XJOV`,
        `-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.3.9:8080" -j KUBE-SEP-NRSKHYXXR2DDMEVI`,
      ],
    },
  ],
};

// ---- kube-proxy ~1.18 with kubelet's KUBE-MARK-DROP (legacy) -------------------------------------------

export const kubeLegacy: Tables = {
  filter: [
    {
      chains: ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY", "KUBE-PROXY-CANARY", "KUBE-SERVICES"],
      rules: [
        `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
        `-A INPUT -j KUBE-FIREWALL`,
        `-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`,
        `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A OUTPUT -j KUBE-FIREWALL`,
        `-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP`,
        `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
        `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
        `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`,
        `-A KUBE-FORWARD -s 10.244.0.0/16 -m comment --comment "kubernetes forwarding conntrack pod source rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A KUBE-FORWARD -d 10.244.0.0/16 -m comment --comment "kubernetes forwarding conntrack pod destination rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      ],
    },
  ],
  nat: [
    {
      chains: [
        "KUBE-FW-TG4Y7II5EGIOXNPD",
        "KUBE-KUBELET-CANARY",
        "KUBE-MARK-DROP",
        "KUBE-MARK-MASQ",
        "KUBE-NODEPORTS",
        "KUBE-POSTROUTING",
        "KUBE-PROXY-CANARY",
        "KUBE-SEP-7CDMZDD7FHVYWMVH",
        "KUBE-SEP-VKXUTNW567IVMLXF",
        "KUBE-SERVICES",
        "KUBE-SVC-TG4Y7II5EGIOXNPD",
        "KUBE-XLB-TG4Y7II5EGIOXNPD",
      ],
      rules: [
        `-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
        `-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`,
        `-A KUBE-FW-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc loadbalancer IP" -j KUBE-XLB-TG4Y7II5EGIOXNPD`,
        `-A KUBE-FW-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc loadbalancer IP" -j KUBE-MARK-DROP`,
        `-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000`,
        `-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000`,
        `-A KUBE-NODEPORTS -p tcp -m comment --comment "shop/api:grpc" -m tcp --dport 30990 -j KUBE-XLB-TG4Y7II5EGIOXNPD`,
        `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -m mark --mark 0x4000/0x4000 -j MASQUERADE --random-fully`,
        `-A KUBE-SEP-7CDMZDD7FHVYWMVH -s 10.244.1.14/32 -m comment --comment "shop/api:grpc" -j KUBE-MARK-MASQ`,
        `-A KUBE-SEP-7CDMZDD7FHVYWMVH -p tcp -m comment --comment "shop/api:grpc" -m tcp -j DNAT --to-destination 10.244.1.14:9090`,
        `-A KUBE-SEP-VKXUTNW567IVMLXF -s 10.244.3.15/32 -m comment --comment "shop/api:grpc" -j KUBE-MARK-MASQ`,
        `-A KUBE-SEP-VKXUTNW567IVMLXF -p tcp -m comment --comment "shop/api:grpc" -m tcp -j DNAT --to-destination 10.244.3.15:9090`,
        `-A KUBE-SERVICES ! -s 10.244.0.0/16 -d 10.103.7.8/32 -p tcp -m comment --comment "shop/api:grpc cluster IP" -m tcp --dport 9090 -j KUBE-MARK-MASQ`,
        `-A KUBE-SERVICES -d 10.103.7.8/32 -p tcp -m comment --comment "shop/api:grpc cluster IP" -m tcp --dport 9090 -j KUBE-SVC-TG4Y7II5EGIOXNPD`,
        `-A KUBE-SERVICES -d 198.51.100.20/32 -p tcp -m comment --comment "shop/api:grpc loadbalancer IP" -m tcp --dport 9090 -j KUBE-FW-TG4Y7II5EGIOXNPD`,
        `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
        `-A KUBE-SVC-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-7CDMZDD7FHVYWMVH`,
        `-A KUBE-SVC-TG4Y7II5EGIOXNPD -m comment --comment "shop/api:grpc" -j KUBE-SEP-VKXUTNW567IVMLXF`,
        `-A KUBE-XLB-TG4Y7II5EGIOXNPD -s 10.244.0.0/16 -m comment --comment "Redirect pods trying to reach external loadbalancer VIP to clusterIP" -j KUBE-SVC-TG4Y7II5EGIOXNPD`,
        `-A KUBE-XLB-TG4Y7II5EGIOXNPD -m comment --comment "masquerade LOCAL traffic for shop/api:grpc LB IP" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        `-A KUBE-XLB-TG4Y7II5EGIOXNPD -m comment --comment "route LOCAL traffic for shop/api:grpc LB IP to service chain" -m addrtype --src-type LOCAL -j KUBE-SVC-TG4Y7II5EGIOXNPD`,
        `-A KUBE-XLB-TG4Y7II5EGIOXNPD -m comment --comment "Balancing rule 0 for shop/api:grpc" -j KUBE-SEP-7CDMZDD7FHVYWMVH`,
      ],
    },
  ],
};

// ---- Components --------------------------------------------------------------------------------------

export const docker: Tables = {
  filter: [
    {
      chains: ["DOCKER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"],
      rules: [
        `-A FORWARD -j DOCKER-USER`,
        `-A FORWARD -j DOCKER-ISOLATION-STAGE-1`,
        `-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A FORWARD -o docker0 -j DOCKER`,
        `-A FORWARD -i docker0 ! -o docker0 -j ACCEPT`,
        `-A FORWARD -i docker0 -o docker0 -j ACCEPT`,
        `-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`,
        `-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2`,
        `-A DOCKER-ISOLATION-STAGE-1 -j RETURN`,
        `-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP`,
        `-A DOCKER-ISOLATION-STAGE-2 -j RETURN`,
        `-A DOCKER-USER -j RETURN`,
      ],
    },
  ],
  nat: [
    {
      chains: ["DOCKER"],
      rules: [
        `-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER`,
        `-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER`,
        `-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`,
        `-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE`,
        `-A DOCKER -i docker0 -j RETURN`,
        `-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`,
      ],
    },
  ],
};

export const flannel: Tables = {
  filter: [
    {
      chains: ["FLANNEL-FWD"],
      rules: [
        `-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD`,
        `-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT`,
        `-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT`,
      ],
    },
  ],
  nat: [
    {
      chains: ["FLANNEL-POSTRTG"],
      rules: [
        `-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG`,
        `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN`,
        `-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN`,
        `-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN`,
        `-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN`,
        `-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
        `-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
      ],
    },
  ],
};

export const calico: Tables = {
  raw: [
    {
      chains: ["cali-OUTPUT", "cali-PREROUTING", "cali-from-host-endpoint", "cali-rpf-skip", "cali-to-host-endpoint"],
      rules: [
        `-A PREROUTING -m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING`,
        `-A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT`,
        `-A cali-OUTPUT -m comment --comment "cali:njdnLwYeGqBJyMxW" -j MARK --set-xmark 0x0/0xf0000`,
        `-A cali-OUTPUT -m comment --comment "cali:rz86uTUcEZAfFsh7" -j cali-to-host-endpoint`,
        `-A cali-OUTPUT -m comment --comment "cali:pN0F5zD0b8yf9W1Z" -m mark --mark 0x10000/0x10000 -j ACCEPT`,
        `-A cali-PREROUTING -m comment --comment "cali:XFX5xbM8B9qR10JG" -j MARK --set-xmark 0x0/0xf0000`,
        `-A cali-PREROUTING -i cali+ -m comment --comment "cali:EWMPb0zVROM-woQp" -j MARK --set-xmark 0x40000/0x40000`,
        `-A cali-PREROUTING -m comment --comment "cali:PWuxTAIaFCtsg5Qa" -m mark --mark 0x40000/0x40000 -j cali-rpf-skip`,
        `-A cali-PREROUTING -m comment --comment "cali:fSSbGND7dgyemWU7" -m mark --mark 0x40000/0x40000 -m rpfilter --validmark --invert -j DROP`,
        `-A cali-PREROUTING -m comment --comment "cali:ImU0-4Rl2WoOI9Ou" -m mark --mark 0x0/0x40000 -j cali-from-host-endpoint`,
        `-A cali-PREROUTING -m comment --comment "cali:lV4V2MPoMBf0hl9T" -m mark --mark 0x10000/0x10000 -j ACCEPT`,
      ],
    },
  ],
  mangle: [
    {
      chains: ["cali-PREROUTING", "cali-from-host-endpoint"],
      rules: [
        `-A PREROUTING -m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING`,
        `-A cali-PREROUTING -m comment --comment "cali:6BJqBjBC7crtA-7-" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A cali-PREROUTING -m comment --comment "cali:KX7AGNd6rMcDUai6" -m mark --mark 0x10000/0x10000 -j ACCEPT`,
        `-A cali-PREROUTING -m comment --comment "cali:wNH7KsA3ILKJBsY9" -j cali-from-host-endpoint`,
        `-A cali-PREROUTING -m comment --comment "cali:Cg96MgVuoPm7UMRo" -m comment --comment "Host endpoint policy accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT`,
      ],
    },
  ],
  filter: [
    {
      chains: ["cali-FORWARD", "cali-INPUT", "cali-OUTPUT", "cali-from-wl-dispatch", "cali-fw-cali1234", "cali-to-wl-dispatch", "cali-tw-cali1234", "cali-pri-kns.default"],
      rules: [
        `-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT`,
        `-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD`,
        `-A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT`,
        `-A cali-FORWARD -m comment --comment "cali:vjrMJCRpqwy5oRoX" -j MARK --set-xmark 0x0/0xe0000`,
        `-A cali-FORWARD -i cali+ -m comment --comment "cali:8ZoYfO5HKXWbB3pk" -j cali-from-wl-dispatch`,
        `-A cali-FORWARD -o cali+ -m comment --comment "cali:jdEuaPBe14V2hutn" -j cali-to-wl-dispatch`,
        `-A cali-FORWARD -m comment --comment "cali:MH9kMp5aNICL-Olv" -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT`,
        `-A cali-INPUT -p ipencap -m comment --comment "cali:PajejrV4aFdkZojI" -m comment --comment "Allow IPIP packets from Calico hosts" -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL -j ACCEPT`,
        `-A cali-INPUT -p ipencap -m comment --comment "cali:_wjq-Yrma8Ly1Svo" -m comment --comment "Drop IPIP packets from non-Calico hosts" -j DROP`,
        `-A cali-INPUT -i cali+ -m comment --comment "cali:8TZGxLWh_Eiz66wc" -g cali-from-wl-dispatch`,
        `-A cali-INPUT -m comment --comment "cali:FBYLsYmzBOfDq6ZT" -j ACCEPT`,
        `-A cali-OUTPUT -m comment --comment "cali:Mq1_rAdXXH3YkrzW" -m mark --mark 0x10000/0x10000 -j ACCEPT`,
        `-A cali-OUTPUT -o cali+ -m comment --comment "cali:69FkRTJDvD5Vu6Vl" -j RETURN`,
        `-A cali-OUTPUT -m comment --comment "cali:Mq1_rAdXXH3Ykrz2" -j ACCEPT`,
        `-A cali-from-wl-dispatch -i cali1234 -m comment --comment "cali:KFlm_cCoLdlxjlUu" -g cali-fw-cali1234`,
        `-A cali-from-wl-dispatch -m comment --comment "cali:zTj6P0TIgYvgz-md" -m comment --comment "Unknown interface" -j DROP`,
        `-A cali-fw-cali1234 -m comment --comment "cali:aaa1" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A cali-fw-cali1234 -m comment --comment "cali:aaa2" -m conntrack --ctstate INVALID -j DROP`,
        `-A cali-fw-cali1234 -m comment --comment "cali:aaa3" -j MARK --set-xmark 0x0/0x10000`,
        `-A cali-fw-cali1234 -m comment --comment "cali:aaa4" -j cali-pri-kns.default`,
        `-A cali-fw-cali1234 -m comment --comment "cali:aaa5" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN`,
        `-A cali-fw-cali1234 -m comment --comment "cali:aaa6" -m comment --comment "Drop if no profiles matched" -j DROP`,
        `-A cali-pri-kns.default -m comment --comment "cali:bbb1" -j MARK --set-xmark 0x10000/0x10000`,
        `-A cali-pri-kns.default -m comment --comment "cali:bbb2" -m mark --mark 0x10000/0x10000 -j RETURN`,
        `-A cali-to-wl-dispatch -o cali1234 -m comment --comment "cali:ccc1" -g cali-tw-cali1234`,
        `-A cali-to-wl-dispatch -m comment --comment "cali:ccc2" -m comment --comment "Unknown interface" -j DROP`,
        `-A cali-tw-cali1234 -m comment --comment "cali:ddd1" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        `-A cali-tw-cali1234 -m comment --comment "cali:ddd2" -m conntrack --ctstate INVALID -j DROP`,
        `-A cali-tw-cali1234 -m comment --comment "cali:ddd3" -j MARK --set-xmark 0x0/0x10000`,
        `-A cali-tw-cali1234 -m comment --comment "cali:ddd4" -j cali-pri-kns.default`,
        `-A cali-tw-cali1234 -m comment --comment "cali:ddd5" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN`,
        `-A cali-tw-cali1234 -m comment --comment "cali:ddd6" -m comment --comment "Drop if no profiles matched" -j DROP`,
      ],
    },
  ],
  nat: [
    {
      chains: ["cali-POSTROUTING", "cali-nat-outgoing"],
      rules: [
        `-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING`,
        `-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" -j cali-nat-outgoing`,
        `-A cali-nat-outgoing -m comment --comment "cali:flqWnvo8yq4ULQLa" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully`,
      ],
    },
  ],
};

export const cilium: Tables = {
  raw: [
    {
      chains: ["CILIUM_OUTPUT_raw", "CILIUM_PRE_raw"],
      rules: [
        `-A PREROUTING -m comment --comment "cilium-feeder: CILIUM_PRE_raw" -j CILIUM_PRE_raw`,
        `-A OUTPUT -m comment --comment "cilium-feeder: CILIUM_OUTPUT_raw" -j CILIUM_OUTPUT_raw`,
        `-A CILIUM_OUTPUT_raw -o lxc+ -m mark --mark 0xa00/0xfffffeff -m comment --comment "cilium: NOTRACK for proxy return traffic" -j CT --notrack`,
        `-A CILIUM_OUTPUT_raw -o cilium_host -m mark --mark 0xa00/0xfffffeff -m comment --comment "cilium: NOTRACK for proxy return traffic" -j CT --notrack`,
        `-A CILIUM_PRE_raw -m mark --mark 0x200/0xf00 -m comment --comment "cilium: NOTRACK for proxy traffic" -j CT --notrack`,
      ],
    },
  ],
  mangle: [
    {
      chains: ["CILIUM_POST_mangle", "CILIUM_PRE_mangle"],
      rules: [
        `-A PREROUTING -m comment --comment "cilium-feeder: CILIUM_PRE_mangle" -j CILIUM_PRE_mangle`,
        `-A POSTROUTING -m comment --comment "cilium-feeder: CILIUM_POST_mangle" -j CILIUM_POST_mangle`,
        `-A CILIUM_POST_mangle -o cilium_host -m comment --comment "cilium: mark host-to-pod traffic" -j MARK --set-xmark 0x200/0xf00`,
        `-A CILIUM_PRE_mangle -m socket --transparent -m comment --comment "cilium: any->pod redirect proxied traffic to host proxy" -j MARK --set-xmark 0x200/0xffffffff`,
      ],
    },
  ],
  filter: [
    {
      chains: ["CILIUM_FORWARD", "CILIUM_INPUT", "CILIUM_OUTPUT"],
      rules: [
        `-A INPUT -m comment --comment "cilium-feeder: CILIUM_INPUT" -j CILIUM_INPUT`,
        `-A FORWARD -m comment --comment "cilium-feeder: CILIUM_FORWARD" -j CILIUM_FORWARD`,
        `-A OUTPUT -m comment --comment "cilium-feeder: CILIUM_OUTPUT" -j CILIUM_OUTPUT`,
        `-A CILIUM_FORWARD -o cilium_host -m comment --comment "cilium: any->cluster on cilium_host forward accept" -j ACCEPT`,
        `-A CILIUM_FORWARD -i cilium_host -m comment --comment "cilium: cluster->any on cilium_host forward accept (nodeport)" -j ACCEPT`,
        `-A CILIUM_FORWARD -i lxc+ -m comment --comment "cilium: cluster->any on lxc+ forward accept" -j ACCEPT`,
        `-A CILIUM_FORWARD -i cilium_net -m comment --comment "cilium: cluster->any on cilium_net forward accept (nodeport)" -j ACCEPT`,
        `-A CILIUM_INPUT -m mark --mark 0x200/0xf00 -m comment --comment "cilium: ACCEPT for proxy traffic" -j ACCEPT`,
        `-A CILIUM_OUTPUT -m mark --mark 0xa00/0xfffffeff -m comment --comment "cilium: ACCEPT for proxy return traffic" -j ACCEPT`,
        `-A CILIUM_OUTPUT -m mark ! --mark 0xe00/0xf00 -m mark ! --mark 0xd00/0xf00 -m mark ! --mark 0xa00/0xe00 -m comment --comment "cilium: host->any mark as from host" -j MARK --set-xmark 0xc00/0xf00`,
      ],
    },
  ],
  nat: [
    {
      chains: ["CILIUM_POST_nat"],
      rules: [
        `-A POSTROUTING -m comment --comment "cilium-feeder: CILIUM_POST_nat" -j CILIUM_POST_nat`,
        `-A CILIUM_POST_nat -s 10.0.0.0/24 ! -d 10.0.0.0/8 ! -o cilium_+ -m comment --comment "cilium masquerade non-cluster" -j MASQUERADE`,
        `-A CILIUM_POST_nat -m mark --mark 0xa00/0xe00 -m comment --comment "exclude proxy return traffic from masquerade" -j ACCEPT`,
      ],
    },
  ],
};

/** Combine component tables (blocks of one table are concatenated in the order given). */
export function merge(...parts: Tables[]): Tables {
  const out: Record<string, Block[]> = {};
  for (const p of parts) for (const [t, blocks] of Object.entries(p)) (out[t] ??= []).push(...blocks);
  return out as Tables;
}

export const HEALTHY: Readonly<Record<string, string>> = {
  "kube-proxy 1.29": dump(kubeModern),
  "kube-proxy 1.18 with KUBE-MARK-DROP": dump(kubeLegacy),
  "kube-proxy 1.29 + Calico": dump(merge(calico, kubeModern)),
  "kube-proxy 1.18 + Docker": dump(merge(docker, kubeLegacy)),
  "kube-proxy 1.29 + Flannel": dump(merge(kubeModern, flannel)),
  "kube-proxy 1.29 + Cilium": dump(merge(cilium, kubeModern)),
  "kube-proxy 1.29 + Docker + Flannel": dump(merge(docker, kubeModern, flannel)),
};
