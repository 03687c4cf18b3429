/**
 * kube-proxy before/after pairs made from the corpus dump (corpus/dumps/kube-proxy-modern.save): each
 * real change is reported once per origin and service with a witness that reproduces; each kind of
 * noise leaves the rule sets equivalent.
 */
import { describe, expect, it } from "vitest";
import { dropLines, diff, dump, edit, expectWitnessesReproduce } from "./helpers.js";

const MODERN = dump("kube-proxy-modern.save");

/** A fourth endpoint for shop/frontend:http (ladder 1/4, 1/3, 1/2). */
const ENDPOINT_ADDED = edit(
  MODERN,
  [":KUBE-SEP-6CGHRP7YYOESEDFC - [0:0]\n", ":KUBE-SEP-6CGHRP7YYOESEDFC - [0:0]\n:KUBE-SEP-NEWENDPOINTAAAAA - [0:0]\n"],
  [
    '-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-VLRIKT2CY7OJ3PEU\n',
    '-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.25000000000 -j KUBE-SEP-VLRIKT2CY7OJ3PEU\n' +
      '-A KUBE-SVC-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.2.99:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-NEWENDPOINTAAAAA\n',
  ],
  [
    '-A KUBE-SEP-6CGHRP7YYOESEDFC -s 10.244.2.12/32',
    '-A KUBE-SEP-NEWENDPOINTAAAAA -s 10.244.2.99/32 -m comment --comment "shop/frontend:http" -j KUBE-MARK-MASQ\n' +
      '-A KUBE-SEP-NEWENDPOINTAAAAA -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.2.99:8080\n' +
      "-A KUBE-SEP-6CGHRP7YYOESEDFC -s 10.244.2.12/32",
  ],
);

describe("kube-proxy changes", () => {
  it("an endpoint added: one entry per origin for the service, the new endpoint in the summary", () => {
    const r = diff(MODERN, ENDPOINT_ADDED);
    expect(r.equivalent).toBe(false);
    expect(r.complete).toBe(true);
    expect(r.summary.kube?.servicesChanged).toEqual([{ service: "shop/frontend:http", proto: "tcp", endpoints: { added: ["10.244.2.99:8080"], removed: [] } }]);
    expect(r.differences.map((d) => [d.service, d.origin])).toEqual([
      ["shop/frontend:http", "external"],
      ["shop/frontend:http", "pod"],
      ["shop/frontend:http", "host"],
    ]);
    const ext = r.differences[0]!;
    expect(ext.predicate).toBe("tcp dst ∈ {127.0.0.0/8, 192.168.49.2} dport 30080 or tcp dst 10.101.12.34 dport 80");
    expect(ext.witness).toEqual({ src: "203.0.113.7", dst: "10.101.12.34", proto: "tcp", sport: 40000, dport: 80, from: "external", inIface: "eth0" });
    expect(ext.before.map((o) => o.probability)).toHaveLength(3);
    expect(ext.after.map((o) => o.packet.dst.value.toString(16))).toContain("af4026" + "3"); // 10.244.2.99
    expectWitnessesReproduce(MODERN, ENDPOINT_ADDED, r);
  });

  it("a service removed", () => {
    const removed = dropLines(MODERN, '"shop/cart', "N5W5PH5NLY2BP4HG", "ICIBXDQGADXSLHIO", "MFZFUC6XIEF524JN");
    const r = diff(MODERN, removed);
    expect(r.summary.kube?.servicesRemoved.map((s) => s.service)).toEqual(["shop/cart"]);
    expect(r.differences.map((d) => d.service)).toEqual(["shop/cart", "shop/cart", "shop/cart"]);
    const d = r.differences[0]!;
    expect(d.predicate).toBe("tcp dst 10.104.1.2 dport 6379");
    // Before: affinity lists decide in some worlds; after: nothing translates the packet.
    expect(d.before.some((o) => o.assumptions.length > 0)).toBe(true);
    expect(d.after.every((o) => o.nat.length === 0)).toBe(true);
    expectWitnessesReproduce(MODERN, removed, r);
  });

  it("external traffic policy Cluster -> Local", () => {
    const local = edit(
      MODERN,
      [":KUBE-SVL-IOUWGO7DACUF3IKF - [0:0]\n", ":KUBE-SVL-IOUWGO7DACUF3IKF - [0:0]\n:KUBE-SVL-PY4JZH2ITZYEO4CN - [0:0]\n"],
      [
        '-A KUBE-EXT-PY4JZH2ITZYEO4CN -m comment --comment "masquerade traffic for shop/frontend:http external destinations" -j KUBE-MARK-MASQ\n-A KUBE-EXT-PY4JZH2ITZYEO4CN -j KUBE-SVC-PY4JZH2ITZYEO4CN\n',
        '-A KUBE-EXT-PY4JZH2ITZYEO4CN -s 10.244.0.0/16 -m comment --comment "pod traffic for shop/frontend:http external destinations" -j KUBE-SVC-PY4JZH2ITZYEO4CN\n' +
          '-A KUBE-EXT-PY4JZH2ITZYEO4CN -m comment --comment "masquerade LOCAL traffic for shop/frontend:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n' +
          '-A KUBE-EXT-PY4JZH2ITZYEO4CN -m comment --comment "route LOCAL traffic for shop/frontend:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-PY4JZH2ITZYEO4CN\n' +
          "-A KUBE-EXT-PY4JZH2ITZYEO4CN -j KUBE-SVL-PY4JZH2ITZYEO4CN\n",
      ],
      [
        '-A KUBE-SVL-IOUWGO7DACUF3IKF -m comment --comment "ingress/edge:http -> 10.244.1.30:80" -j KUBE-SEP-7VLQ7H3ZZKJGLFVC\n',
        '-A KUBE-SVL-IOUWGO7DACUF3IKF -m comment --comment "ingress/edge:http -> 10.244.1.30:80" -j KUBE-SEP-7VLQ7H3ZZKJGLFVC\n' +
          '-A KUBE-SVL-PY4JZH2ITZYEO4CN -m comment --comment "shop/frontend:http -> 10.244.1.5:8080" -j KUBE-SEP-VLRIKT2CY7OJ3PEU\n',
      ],
    );
    const r = diff(MODERN, local);
    expect(r.summary.kube?.servicesChanged).toEqual([{ service: "shop/frontend:http", proto: "tcp", externalTrafficPolicy: { before: "Cluster", after: "Local" } }]);
    const ext = r.differences.find((d) => d.origin === "external")!;
    // Node-local clients are masqueraded and balanced over all endpoints either way: not a difference.
    expect(ext.predicate).toBe("tcp dst ∈ {127.0.0.0/8, 192.168.49.2} dport 30080 src ∉ {127.0.0.0/8, 192.168.49.2}");
    // Before: three endpoints, masqueraded; after: the local endpoint only, client address kept.
    expect(ext.before).toHaveLength(3);
    expect(ext.before.every((o) => o.masquerade)).toBe(true);
    expect(ext.after).toHaveLength(1);
    expect(ext.after[0]!.masquerade).toBe(false);
    expectWitnessesReproduce(MODERN, local, r);
  });

  it("session affinity enabled", () => {
    const sep = (chain: string, ip: string) => [
      `-A ${chain} -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination ${ip}:53`,
      `-A ${chain} -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m recent --set --name ${chain} --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination ${ip}:53`,
    ] as const;
    const check = (chain: string, ip: string) =>
      `-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> ${ip}:53" -m recent --rcheck --seconds 10800 --reap --name ${chain} --mask 255.255.255.255 --rsource -j ${chain}\n`;
    const affinity = edit(
      MODERN,
      sep("KUBE-SEP-IT2ZTR26TO4XFPTO", "10.244.0.2"),
      sep("KUBE-SEP-ZXMNUKOKXUTL2MK2", "10.244.0.3"),
      [
        "-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment \"kube-system/kube-dns:dns-tcp -> 10.244.0.2:53\" -m statistic",
        check("KUBE-SEP-IT2ZTR26TO4XFPTO", "10.244.0.2") + check("KUBE-SEP-ZXMNUKOKXUTL2MK2", "10.244.0.3") + "-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment \"kube-system/kube-dns:dns-tcp -> 10.244.0.2:53\" -m statistic",
      ],
    );
    const r = diff(MODERN, affinity);
    expect(r.summary.kube?.servicesChanged).toEqual([{ service: "kube-system/kube-dns:dns-tcp", proto: "tcp", sessionAffinity: { before: "None", after: "ClientIP (10800s)" } }]);
    expect(r.differences).toHaveLength(3);
    expect(r.differences.every((d) => d.after.some((o) => o.assumptions.some((a) => a.key.startsWith("recent:") && a.holds)))).toBe(true);
    expectWitnessesReproduce(MODERN, affinity, r);
  });

  it("a load-balancer source range changed", () => {
    const ranges = edit(MODERN, ["-A KUBE-FW-TG4Y7II5EGIOXNPD -s 192.0.2.0/25 ", "-A KUBE-FW-TG4Y7II5EGIOXNPD -s 192.0.2.128/25 "]);
    const r = diff(MODERN, ranges);
    expect(r.summary.kube?.servicesChanged).toEqual([{ service: "shop/api:grpc", proto: "tcp", sourceRanges: { added: ["192.0.2.128/25"], removed: ["192.0.2.0/25"] } }]);
    const ext = r.differences.filter((d) => d.origin === "external");
    expect(ext).toHaveLength(1);
    expect(ext[0]!.predicate).toBe("tcp dst 198.51.100.20 dport 9090 src ∈ 192.0.2.0/24");
    expect(ext[0]!.classes).toBeGreaterThanOrEqual(2);
    expectWitnessesReproduce(MODERN, ranges, r);
  });

  it("a ladder re-spelled with 5 instead of 11 decimals of a different stored value is a difference", () => {
    const five = edit(MODERN, ["--probability 0.33333333349 -j KUBE-SEP-VLRIKT2CY7OJ3PEU", "--probability 0.33333 -j KUBE-SEP-VLRIKT2CY7OJ3PEU"]);
    const r = diff(MODERN, five);
    expect(r.summary.kube?.servicesChanged[0]?.weights?.[0]?.endpoint).toBe("10.244.1.5:8080");
    expect(r.differences.length).toBeGreaterThan(0);
    expectWitnessesReproduce(MODERN, five, r);
  });
});

describe("noise is not a difference", () => {
  const expectEquivalent = (b: string) => {
    const r = diff(MODERN, b);
    expect(r.differences).toEqual([]);
    expect(r.equivalent).toBe(true);
    return r;
  };

  it("the same probabilities spelled with 5 or 11 decimals (same stored value)", () => {
    expectEquivalent(edit(MODERN, [/--probability 0\.50000000000/g, "--probability 0.50000"], [/--probability 0\.33333333349/g, "--probability 0.3333333333"]));
  });

  it("chain renames (hash changes)", () => {
    const renamed = edit(
      MODERN,
      [/KUBE-SVC-PY4JZH2ITZYEO4CN/g, "KUBE-SVC-AAAAAAAAAAAAAAAA"],
      [/KUBE-EXT-PY4JZH2ITZYEO4CN/g, "KUBE-EXT-AAAAAAAAAAAAAAAA"],
      [/KUBE-SEP-VLRIKT2CY7OJ3PEU/g, "KUBE-SEP-BBBBBBBBBBBBBBBB"],
      [/KUBE-SEP-ICIBXDQGADXSLHIO/g, "KUBE-SEP-CCCCCCCCCCCCCCCC"],
    );
    const r = expectEquivalent(renamed);
    expect(r.summary.noise.renamedChains).toBeGreaterThanOrEqual(3);
    expect(r.summary.kube?.servicesChanged).toEqual([]);
  });

  it("independent rules of KUBE-SERVICES shuffled", () => {
    const lines = MODERN.split("\n");
    const idx = lines.map((l, i) => (l.startsWith("-A KUBE-SERVICES -d ") && !l.includes("REJECT") && !l.includes("DROP") ? i : -1)).filter((i) => i >= 0 && lines[i]!.includes("-j KUBE-"));
    const moved = idx.map((i) => lines[i]!).reverse();
    idx.forEach((i, k) => (lines[i] = moved[k]!));
    const r = expectEquivalent(lines.join("\n"));
    expect(r.summary.noise.reorderedChains).toBeGreaterThanOrEqual(1);
  });

  it("counters", () => {
    expectEquivalent(MODERN.replace(/^-A /gm, "[17:4242] -A ").replace(/^(:[A-Z]+ (ACCEPT|DROP)) \[0:0\]/gm, "$1 [5:300]"));
  });

  it("equivalent spellings: --or-mark, missing /32, quoting", () => {
    expectEquivalent(
      edit(
        MODERN,
        ["-j MARK --set-xmark 0x4000/0x4000", "-j MARK --or-mark 0x4000"],
        ["-A KUBE-SERVICES -d 10.96.0.1/32 ", "-A KUBE-SERVICES -d 10.96.0.1 "],
        ["--comment \"kube-system/kube-dns:dns cluster IP\"", "--comment 'kube-system/kube-dns:dns'"],
      ).replace("'kube-system/kube-dns:dns'", '"kube-system/kube-dns:dns cluster IP \\"x\\""'),
    );
  });

  it("comments and header lines", () => {
    expectEquivalent(MODERN.replace(/^# .*$/gm, "# Generated by someone else").replace(/--comment "shop\/frontend:http -> /g, '--comment "frontend -> '));
  });
});
