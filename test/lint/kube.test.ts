/** kube-proxy rules beyond their documented examples. */
import { describe, expect, it } from "vitest";
import { isLadderProbability } from "../../src/lint/rules/kube-probability-ladder.js";
import { endpointHash, servicePortHash } from "../../src/kube/index.js";
import { parseAddr } from "../../src/net/addr.js";
import { dump, kubeModern, merge } from "./healthy-dumps.js";
import { ids, lintText } from "./helpers.js";

/** What iptables-save prints back for a probability written as `text`. */
const saved = (text: string) => Math.round(Number(text) * 2 ** 31) / 2 ** 31;

describe("kube-probability-ladder tolerance", () => {
  it("accepts kube-proxy's 10-decimal and old 5-decimal 1/n as the kernel stores them", () => {
    for (let n = 1; n <= 1000; n++) {
      expect(isLadderProbability(saved((1 / n).toFixed(10)), n)).toBe(true);
      expect(isLadderProbability(saved((1 / n).toFixed(5)), n)).toBe(true);
      expect(isLadderProbability(Number(saved((1 / n).toFixed(10)).toFixed(11)), n)).toBe(true);
    }
  });
  it("refuses a neighbour's share where the printed forms can tell them apart", () => {
    for (let n = 2; n <= 300; n++) {
      expect(isLadderProbability(saved((1 / (n + 1)).toFixed(10)), n)).toBe(false);
      expect(isLadderProbability(saved((1 / (n - 1)).toFixed(10)), n)).toBe(false);
    }
  });
  it("reports a statistic match on the last endpoint rule", () => {
    const text = dump(kubeModern).replace(
      `-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.3.9:8080" -j`,
      `-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.3.9:8080" -m statistic --mode random --probability 0.50000000000 -j`,
    );
    const f = lintText(text).filter((x) => x.rule === "kube-probability-ladder");
    expect(f.length).toBe(1);
    expect(f[0]!.message).toContain("not DNATed");
  });
});

describe("kube-proxy names", () => {
  it("match names kube-proxy wrote (corpus kube-proxy-modern)", () => {
    expect(servicePortHash("shop/frontend:http", "tcp")).toBe("PY4JZH2ITZYEO4CN");
    expect(servicePortHash("kube-system/kube-dns:dns", "udp")).toBe("TCOU7JCQXEZGVUNU");
    expect(servicePortHash("shop/cart", "tcp")).toBe("N5W5PH5NLY2BP4HG");
    expect(endpointHash("default/kubernetes:https", "tcp", "192.168.49.2:6443")).toBe("RLR6ZXJXMQP3D2RN");
  });
  it("an endpoint chain whose DNAT does not hash to its name is reported", () => {
    const text = dump(kubeModern).replace("--to-destination 10.244.2.7:8080", "--to-destination 10.244.2.8:8080");
    const f = lintText(text);
    expect(ids(f, "kube-chain-hash-mismatch")).toEqual(["kube-chain-hash-mismatch KUBE-SEP-XQ5XPRT6YND4XJOV#null"]);
    expect(ids(f, "kube-endpoint-mismatch")).toEqual(["kube-endpoint-mismatch KUBE-SVC-PY4JZH2ITZYEO4CN#3"]);
  });
});

describe("kube-service-ip-hijack", () => {
  it("flags an external IP equal to a node address only when the node address is known", () => {
    const text = dump(kubeModern).replace("-d 203.0.113.10/32", "-d 192.168.49.2/32");
    expect(ids(lintText(text), "kube-service-ip-hijack")).toEqual([]);
    const f = lintText(text, { facts: { nodeIps: [parseAddr("192.168.49.2")!] } }).filter((x) => x.rule === "kube-service-ip-hijack");
    expect(f.map((x) => x.message)).toEqual([
      "shop/frontend:http external IP 192.168.49.2 is this node's address: connections to the node's tcp/80 go to the service's endpoints instead (CVE-2020-8554)",
    ]);
  });
  it("flags an external IP that is another service's cluster IP", () => {
    const text = dump(kubeModern).replace("-d 203.0.113.10/32", "-d 10.96.0.1/32");
    expect(lintText(text).filter((x) => x.rule === "kube-service-ip-hijack").map((x) => x.message)).toEqual([
      "shop/frontend:http external IP 10.96.0.1 is the cluster IP of default/kubernetes:https: it captures traffic meant for that service (CVE-2020-8554)",
    ]);
  });
});

describe("kube-stale-chain", () => {
  it("reports chains of two eras side by side", () => {
    const text = dump(
      merge(kubeModern, {
        nat: [
          {
            chains: ["KUBE-XLB-PY4JZH2ITZYEO4CN"],
            rules: [`-A KUBE-XLB-PY4JZH2ITZYEO4CN -m comment --comment "Balancing rule 0 for shop/frontend:http" -j KUBE-SEP-VLRIKT2CY7OJ3PEU`],
          },
        ],
      }),
    );
    const f = lintText(text).filter((x) => x.rule === "kube-stale-chain");
    expect(f.map((x) => x.message).sort()).toEqual([
      "1 KUBE-XLB chain(s) (kube-proxy before 1.23) next to 1 KUBE-EXT/KUBE-SVL chain(s) (1.23 and later): two kube-proxy generations wrote this table",
      "KUBE-XLB-PY4JZH2ITZYEO4CN is not reachable from KUBE-SERVICES or KUBE-NODEPORTS (nothing jumps to it)",
    ]);
  });
});

describe("kube-masq-mark-mismatch", () => {
  it("flags another component setting the masquerade bit, not a proxy's whole-mark assignment", () => {
    const base = kubeModern;
    const clobber = dump(merge(base, { mangle: [{ chains: ["X"], rules: ["-A PREROUTING -j X", "-A X -j MARK --set-xmark 0x4000/0x4000"] }] }));
    expect(ids(lintText(clobber), "kube-masq-mark-mismatch")).toEqual(["kube-masq-mark-mismatch X#1"]);
    const proxy = dump(merge(base, { mangle: [{ chains: ["X"], rules: ["-A PREROUTING -j X", "-A X -j MARK --set-xmark 0x539/0xffffffff"] }] }));
    expect(ids(lintText(proxy), "kube-masq-mark-mismatch")).toEqual([]);
  });
});
