/** kube-proxy knowledge: chain kinds, unambiguous short names, the service catalogue of a dump. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatAddr } from "../../src/net/addr.js";
import {
  ChainShortener,
  buildCatalogue,
  endpointHash,
  frontendsFor,
  kubeChainKind,
  kubeProtocol,
  parseServiceChain,
  reachableEndpoints,
  serviceChainName,
  servicePortHash,
  servicePortName,
} from "../../src/kube/index.js";
import { fixture, ip, rs } from "../engine/helpers.js";

describe("chains", () => {
  it("reads per-service chain names exactly as the pattern kube-proxy's names follow", () => {
    const hashed = /^KUBE-(SVC|SVL|EXT|FW|SEP|XLB)-([A-Z2-7]+)$/;
    const name = fc.tuple(
      fc.constantFrom("KUBE-", "KUBE", "kube-", "KUBE--", ""),
      fc.constantFrom("SVC", "SVL", "EXT", "FW", "SEP", "XLB", "SERVICES", "NODEPORTS", "MARK-MASQ", "svc", "SV", "FWX", ""),
      fc.constantFrom("-", "", "--", "_"),
      fc.stringMatching(/^[A-Z2-9a-z_-]{0,20}$/),
    ).map((p) => p.join(""));
    fc.assert(
      fc.property(name, (n) => {
        const m = hashed.exec(n);
        const kind = kubeChainKind(n);
        if (m) expect(kind).toBe(m[1]!.toLowerCase());
        else expect(kind === undefined || !["svc", "svl", "ext", "fw", "sep", "xlb"].includes(kind)).toBe(true);
        const parsed = parseServiceChain(n);
        expect(parsed).toEqual(m && m[2]!.length === 16 ? { kind: m[1]!.toLowerCase(), hash: m[2]! } : undefined);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 2000) },
    );
  });

  it("knows kube-proxy's chains by name", () => {
    expect(["KUBE-SERVICES", "KUBE-SVC-TCOU7JCQXEZGVUNU", "KUBE-SEP-IJRYZIJKF5EPHXEN", "KUBE-XLB-LGWEBHTTPQ7RZ4ABC", "KUBE-FW-C435J2JLDMJKKAWZ", "DOCKER", "KUBE-SVC-lower"].map(kubeChainKind)).toEqual([
      "services",
      "svc",
      "sep",
      "xlb",
      "fw",
      undefined,
      undefined,
    ]);
  });

  it("shortens hashed names to the shortest unambiguous prefix (at least 4 characters)", () => {
    const s = new ChainShortener(["KUBE-SVC-ABCDEFGHIJKLMNOP", "KUBE-SVC-ABCDXFGHIJKLMNOP", "KUBE-SVC-ZZZZ2345ZZZZ2345", "KUBE-SEP-ABCDEFGHIJKLMNOP", "KUBE-SERVICES"]);
    expect(s.name("KUBE-SVC-ABCDEFGHIJKLMNOP")).toBe("KUBE-SVC-ABCDE…");
    expect(s.name("KUBE-SVC-ABCDXFGHIJKLMNOP")).toBe("KUBE-SVC-ABCDX…");
    expect(s.name("KUBE-SVC-ZZZZ2345ZZZZ2345")).toBe("KUBE-SVC-ZZZZ…");
    // Another kind with the same hash does not make it ambiguous: the kind is part of the name.
    expect(s.name("KUBE-SEP-ABCDEFGHIJKLMNOP")).toBe("KUBE-SEP-ABCD…");
    expect(s.name("KUBE-SERVICES")).toBe("KUBE-SERVICES");
  });
});

describe("service port names in comments", () => {
  it("reads namespace/name:port wherever kube-proxy puts it", () => {
    expect(servicePortName("kube-system/kube-dns:dns cluster IP")?.name).toBe("kube-system/kube-dns:dns");
    expect(servicePortName("masquerade traffic for shop/web:http external destinations")?.name).toBe("shop/web:http");
    expect(servicePortName("default/nginx")).toEqual({ name: "default/nginx", namespace: "default", service: "nginx" });
    expect(servicePortName("shop/cart:http -> 10.244.1.12:8080")?.port).toBe("http");
    expect(servicePortName("kubernetes service portals")).toBeUndefined();
  });
});

describe("catalogue", () => {
  const cat = buildCatalogue(rs(fixture("kube-modern.save")));

  it("lists each service port with its frontends and endpoints", () => {
    const dns = cat.services.get("kube-system/kube-dns:dns")!;
    expect(dns.frontends.map((f) => `${f.via} ${f.addr ? formatAddr(f.addr) : "*"} ${f.proto}/${f.port}`)).toEqual(["cluster IP 10.96.0.10 17/53"]);
    expect(dns.endpoints.map((e) => `${formatAddr(e.addr)}:${e.port}`)).toEqual(["10.244.1.3:53", "10.244.2.4:53"]);
    const api = cat.services.get("shop/api:http")!;
    expect(api.frontends.map((f) => f.via)).toEqual(["cluster IP", "loadbalancer IP", "nodePort"]);
    expect([...api.chains].sort()).toEqual(["KUBE-EXT-RUKNB3TURLFC6SGL", "KUBE-SEP-7LGCY33THQTE7ZY6", "KUBE-SEP-LXMAREUUGZJ5WOS3", "KUBE-SVC-RUKNB3TURLFC6SGL", "KUBE-SVL-RUKNB3TURLFC6SGL"]);
    const db = cat.services.get("shop/legacy-db:mysql")!;
    expect([...db.facts]).toEqual(["has no endpoints"]);
    expect(db.frontends.map((f) => f.via)).toEqual(["cluster IP", "external address"]);
    expect(cat.services.get("shop/search:http")!.facts.has("has no local endpoints")).toBe(true);
  });

  it("finds the frontends a packet addresses, node ports on any local address", () => {
    const at = (dst: string, proto: number, port: number | undefined, local = false) => {
      const f = frontendsFor(cat, ip(dst), proto, port, local);
      return [f.exact.map((x) => x.service), f.sameAddress.map((x) => `${x.service}/${x.port}`)];
    };
    expect(at("10.96.0.10", 17, 53)).toEqual([["kube-system/kube-dns:dns"], ["kube-system/kube-dns:dns-tcp/53"]]);
    expect(at("10.96.0.10", 1, undefined)).toEqual([[], ["kube-system/kube-dns:dns/53", "kube-system/kube-dns:dns-tcp/53"]]);
    expect(at("192.0.2.10", 6, 30080, true)).toEqual([["shop/web:http"], ["monitoring/agent:http/8081"]]);
    expect(at("192.0.2.10", 6, 30080, false)).toEqual([[], ["monitoring/agent:http/8081"]]);
  });
});

describe("chain names", () => {
  const modern = rs(readFileSync(join(import.meta.dirname, "../../corpus/dumps/kube-proxy-modern.save"), "utf8"));
  const cat = buildCatalogue(modern);

  it("hash service ports and endpoints as kube-proxy does", () => {
    expect(serviceChainName("svc", servicePortHash("default/kubernetes:https", "tcp"))).toBe("KUBE-SVC-NPX46M4PTMTKRN6Y");
    expect(serviceChainName("sep", endpointHash("default/kubernetes:https", "TCP", "192.168.49.2:6443"))).toBe("KUBE-SEP-RLR6ZXJXMQP3D2RN");
    expect(parseServiceChain("KUBE-FW-TG4Y7II5EGIOXNPD")).toEqual({ kind: "fw", hash: "TG4Y7II5EGIOXNPD" });
    // kubeChainKind knows the prefix whatever the length; only 16 characters is a name kube-proxy writes.
    expect([kubeChainKind("KUBE-SVC-ABC"), parseServiceChain("KUBE-SVC-ABC")]).toEqual(["svc", undefined]);
  });

  it("give every per-service chain of a real dump the name its service port and endpoint hash to", () => {
    const named = [...cat.chains.values()];
    expect(named.length).toBe(40);
    for (const c of named) {
      const s = cat.services.get(c.service!)!;
      const proto = kubeProtocol(s.proto)!;
      const hash = c.kind === "sep" ? endpointHash(s.name, proto, c.destination!) : servicePortHash(s.name, proto);
      expect(serviceChainName(c.kind, hash), `${c.name} (${s.name}/${proto})`).toBe(c.name);
    }
  });
});

describe("catalogue for lint and diff", () => {
  const cat = buildCatalogue(rs(readFileSync(join(import.meta.dirname, "../../corpus/dumps/kube-proxy-modern.save"), "utf8")));
  const svc = (name: string) => cat.services.get(name)!;

  it("reads the ladder: endpoint shares, session affinity", () => {
    expect([...svc("shop/frontend:http").weights.values()].map((w) => w.toFixed(6))).toEqual(["0.333333", "0.333333", "0.333333"]);
    expect(cat.chains.get("KUBE-SVC-PY4JZH2ITZYEO4CN")!.ladder!.steps.map((s) => s.probability)).toEqual([0.33333333349, 0.5, undefined]);
    expect([...svc("shop/cart").weights.keys()]).toEqual(["10.244.1.20:6379", "10.244.3.21:6379"]);
    expect([svc("shop/cart").affinity, svc("shop/frontend:http").affinity]).toEqual([10800, undefined]);
  });

  it("reads traffic policies, source ranges, the chains' hash", () => {
    const policies = (n: string) => [svc(n).internalPolicy, svc(n).externalPolicy];
    expect(policies("shop/search:http")).toEqual(["Cluster", "Local"]);
    expect(policies("shop/api:grpc")).toEqual(["Cluster", "Cluster"]);
    expect(policies("monitoring/node-exporter:metrics")).toEqual(["Local", undefined]);
    expect(policies("default/kubernetes:https")).toEqual(["Cluster", undefined]);
    expect([...svc("shop/api:grpc").sourceRanges]).toEqual(["203.0.113.0/24", "192.0.2.0/25", "192.168.49.0/24", "198.51.100.20/32"]);
    expect(svc("shop/api:grpc").hash).toBe("TG4Y7II5EGIOXNPD");
  });

  it("lists the entry rules once per node port, with the chain they jump to", () => {
    const grpc = cat.entries.filter((e) => e.service === "shop/api:grpc").map((e) => `${e.chain} ${e.via} ${e.port} -> ${e.target}`);
    expect(grpc).toEqual([
      "KUBE-SERVICES cluster IP 9090 -> KUBE-SVC-TG4Y7II5EGIOXNPD",
      "KUBE-SERVICES loadbalancer IP 9090 -> KUBE-FW-TG4Y7II5EGIOXNPD",
      "KUBE-NODEPORTS nodePort 30990 -> KUBE-EXT-TG4Y7II5EGIOXNPD",
    ]);
    expect([...reachableEndpoints(cat, "KUBE-FW-TG4Y7II5EGIOXNPD")].sort()).toEqual(["KUBE-SEP-7CDMZDD7FHVYWMVH", "KUBE-SEP-VKXUTNW567IVMLXF"]);
  });

  it("marks chains nothing jumps to, or nothing reaches from KUBE-SERVICES", () => {
    expect([...cat.chains.values()].every((c) => c.referenced && c.reachable)).toBe(true);
    const stale = buildCatalogue(rs(fixture("kube-modern.save").replace(/^-A KUBE-SERVICES .*"shop\/cart:http cluster IP".*\n/m, "")));
    const names = (p: (c: { referenced: boolean; reachable: boolean }) => boolean) => [...stale.chains.values()].filter(p).map((c) => c.name).sort();
    expect(names((c) => !c.referenced)).toEqual(["KUBE-SVC-I5LIAMPLWKMBJ54B"]);
    expect(names((c) => !c.reachable)).toEqual(["KUBE-SEP-CCIXJAJJ2SCIEXMI", "KUBE-SEP-HY2JHPXPKUQISEPT", "KUBE-SVC-I5LIAMPLWKMBJ54B"]);
  });
});
