/**
 * Engine benchmark (`npm run bench` calls `run()`): a generated kube-proxy dump of about 100,000 rules,
 * compiled once (indexes built), then a batch of packets evaluated one after the other, as
 * `iptlens explain --batch` does, five times over (median reported). Target: ≥ 50,000 packets/s after
 * the index build.
 *
 * The batch mixes what a node sees: pods to cluster IPs (most), external clients to node ports and
 * load-balancer IPs, and misses (ports no service has). Every outcome is built in full (trace included).
 */
import { generateKubeProxyDump } from "./gen.js";
import { parseRuleset } from "../src/model/build.js";
import { compile, makeNodeContext, type PacketSpec } from "../src/engine/index.js";
import { parseAddr, type IpAddr } from "../src/net/addr.js";

export interface EngineBench {
  readonly rules: number;
  readonly parseMs: number;
  readonly compileMs: number;
  readonly packets: number;
  /** Median over the rounds. */
  readonly packetsPerSecond: number;
  readonly slowestRound: number;
  readonly fastestRound: number;
  readonly outcomesPerPacket: number;
}

const addr = (t: string): IpAddr => parseAddr(t)!;

function countRules(text: string): number {
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith("-A ")) n++;
  return n;
}

/** A dump of about `rules` rules (generated services are ~12 rules each; one correction step). */
export function dumpWithRules(rules: number, seed = 1): string {
  let services = Math.round(rules / 12);
  let text = generateKubeProxyDump({ services, seed });
  const have = countRules(text);
  services = Math.round((services * rules) / have);
  text = generateKubeProxyDump({ services, seed });
  return text;
}

/** Packets aimed at the dump's frontends (and some misses), deterministic. */
export function packetsFor(text: string, count: number): PacketSpec[] {
  const cluster: [string, number, number][] = [];
  const nodePorts: [number, number][] = [];
  const lbs: [string, number, number][] = [];
  for (const m of text.matchAll(/^-A KUBE-SERVICES -d (\S+)\/32 -p (tcp|udp) -m comment --comment "[^"]* (cluster IP|loadbalancer IP)" -m \w+ --dport (\d+)/gm)) {
    const entry: [string, number, number] = [m[1]!, m[2] === "tcp" ? 6 : 17, Number(m[4])];
    (m[3] === "cluster IP" ? cluster : lbs).push(entry);
  }
  for (const m of text.matchAll(/^-A KUBE-NODEPORTS -p (tcp|udp) .*?--dport (\d+)/gm)) nodePorts.push([m[1] === "tcp" ? 6 : 17, Number(m[2])]);
  const out: PacketSpec[] = [];
  const pod = addr("10.244.1.7");
  const client = addr("203.0.113.7");
  const nodeIp = addr("192.0.2.10");
  for (let i = 0; i < count; i++) {
    const k = i % 10;
    if (k < 6 && cluster.length) {
      const [d, proto, port] = cluster[(i * 7919) % cluster.length]!;
      out.push({ src: pod, dst: addr(d), proto, sport: 40000 + (i % 20000), dport: port, from: "pod" });
    } else if (k < 8 && nodePorts.length) {
      const [proto, port] = nodePorts[(i * 104729) % nodePorts.length]!;
      out.push({ src: client, dst: nodeIp, proto, sport: 40000 + (i % 20000), dport: port, from: "external" });
    } else if (k < 9 && lbs.length) {
      const [d, proto, port] = lbs[(i * 1299709) % lbs.length]!;
      out.push({ src: client, dst: addr(d), proto, sport: 40000 + (i % 20000), dport: port, from: "external" });
    } else {
      const [d] = cluster[(i * 31) % Math.max(1, cluster.length)] ?? ["10.96.0.1"];
      out.push({ src: pod, dst: addr(d), proto: 6, sport: 40000, dport: 1 + (i % 1000), from: "pod" });
    }
  }
  return out;
}

export function benchEngine(opts: { rules?: number; packets?: number; rounds?: number } = {}): EngineBench {
  const text = dumpWithRules(opts.rules ?? 100_000);
  let t = performance.now();
  const ruleset = parseRuleset(text, { validate: false }).value;
  const parseMs = performance.now() - t;
  const rules = ruleset.tables.reduce((a, tb) => a + tb.chains.reduce((b, c) => b + c.rules.length, 0), 0);
  const context = makeNodeContext({ localAddresses: [{ addr: addr("192.0.2.10"), iface: "eth0" }, { addr: addr("10.244.1.1"), iface: "cni0" }] });
  t = performance.now();
  const engine = compile(ruleset, context);
  const compileMs = performance.now() - t;
  const n = opts.packets ?? 50_000;
  const packets = packetsFor(text, n);
  for (const p of packets.slice(0, 5000)) engine.evaluate(p); // warm up the JIT
  // Several rounds over the batch, reported by their median: this shared machine's speed varies by
  // ±10% from one second to the next.
  const rates: number[] = [];
  let outcomes = 0;
  for (let round = 0; round < (opts.rounds ?? 5); round++) {
    outcomes = 0;
    t = performance.now();
    for (const p of packets) outcomes += engine.evaluate(p).outcomes.length;
    rates.push(n / ((performance.now() - t) / 1000));
  }
  rates.sort((a, b) => a - b);
  return {
    rules,
    parseMs,
    compileMs,
    packets: n,
    packetsPerSecond: rates[Math.floor(rates.length / 2)]!,
    slowestRound: rates[0]!,
    fastestRound: rates[rates.length - 1]!,
    outcomesPerPacket: outcomes / n,
  };
}

/** What bench/run.ts calls. */
export function run(): Record<string, unknown> {
  const r = benchEngine();
  return { ...r };
}
