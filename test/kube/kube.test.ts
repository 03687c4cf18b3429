/** kube-proxy knowledge: chain kinds, unambiguous short names, the service catalogue of a dump. */
import { describe, expect, it } from "vitest";
import { formatAddr } from "../../src/net/addr.js";
import { ChainShortener, buildCatalogue, frontendsFor, kubeChainKind, servicePortName } from "../../src/kube/index.js";
import { fixture, ip, rs } from "../engine/helpers.js";

describe("chains", () => {
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
