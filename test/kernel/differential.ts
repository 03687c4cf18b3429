/**
 * Helpers of the engine-vs-kernel differential suite (explain-differential.test.ts): which lab a dump
 * needs, which probes to send (derived from the dump's own rules), how to ask the engine about the
 * same packet, and how to compare the two answers. The semantics are documented at the top of the
 * test file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseRuleset } from "../../src/model/build.js";
import type { Ruleset } from "../../src/model/ast.js";
import { formatAddr, parseAddr, parseNet, type IpAddr } from "../../src/net/addr.js";
import {
  compile,
  isPolicyStep,
  makeNodeContext,
  type Engine,
  type NodeContext,
  type Outcome,
  type PacketSpec,
  type TraceStep as EngineStep,
} from "../../src/engine/index.js";
import type { Family, Lab, Packet, ProbeResult, Topology } from "./harness.js";

// ------------------------------------------------------------------------------------------ dumps

export const CORPUS_DUMPS = join(import.meta.dirname, "..", "..", "corpus", "dumps");

export interface Dump {
  file: string;
  /** The dump as stored in the corpus (what the engine parses). */
  text: string;
  family: Family;
  /** Restore with the legacy backend (`*.legacy.save`). */
  legacy: boolean;
  /** The text handed to iptables-restore: `text`, or `iptables -S` text wrapped as restore input. */
  restoreText: string;
  /** Another dump of the corpus holds the same rules (legacy/counters/-S variants): fewer probes. */
  variant: boolean;
  ruleset: Ruleset;
  /** Tables of the dump (only these tables' trace events and counters are compared). */
  tables: Set<string>;
}

/** `iptables -S` text of one table → iptables-restore input (-P → `:C POLICY`, -N → `:C -`). */
export function sToRestore(text: string, table: string): string {
  const head: string[] = [`*${table}`];
  const rules: string[] = [];
  for (const line of text.split("\n")) {
    const p = /^-P (\S+) (\S+)$/.exec(line);
    const n = /^-N (\S+)$/.exec(line);
    if (p) head.push(`:${p[1]} ${p[2]} [0:0]`);
    else if (n) head.push(`:${n[1]} - [0:0]`);
    else if (line.startsWith("-A ")) rules.push(line);
  }
  return [...head, ...rules, "COMMIT", ""].join("\n");
}

export function loadCorpus(): Dump[] {
  const files = readdirSync(CORPUS_DUMPS).filter((f) => f.endsWith(".save") || f.endsWith(".S")).sort();
  // kube-proxy-counters.legacy.save, kube-proxy-counters.counters.save, kube-proxy-modern.nat.S … are
  // variants of kube-proxy-counters.save / kube-proxy-modern.save (same rules, other backend or form)
  const VARIANT = /\.(?:legacy\.save|counters\.save|nat\.S|S)$/;
  const base = (f: string) => f.replace(VARIANT, "").replace(/\.save$/, "");
  const primaries = new Set(files.filter((f) => !VARIANT.test(f)).map(base));
  return files.map((file) => {
    const text = readFileSync(join(CORPUS_DUMPS, file), "utf8");
    const d = dumpFromText(file, text, file.includes(".v6.") ? 6 : 4, { legacy: file.includes(".legacy."), sForm: file.endsWith(".S") });
    d.variant = VARIANT.test(file) && primaries.has(base(file));
    return d;
  });
}

/** A dump from text (corpus file or an inline reproduction). */
export function dumpFromText(file: string, text: string, family: Family, o: { legacy?: boolean; sForm?: boolean } = {}): Dump {
  const r = parseRuleset(text, { family });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${file} does not parse: ${errors.map((d) => `${d.line}: ${d.message}`).join("; ")}`);
  const tables = new Set(r.value.tables.map((t) => String(t.name)));
  const restoreText = o.sForm ? sToRestore(text, [...tables][0]!) : text;
  return { file, text, family, legacy: o.legacy === true, restoreText, variant: false, ruleset: r.value, tables };
}

// ------------------------------------------------------------------------------------------ lab shape

/** How the lab is adapted to a dump (applied to the lab AND to the engine's node context). */
export interface LabShape {
  nodeExtIf: string;
  nodePodIf: string;
  /** Addresses the dump treats as the node's (`-d X -j KUBE-NODEPORTS`), added to the node's eth0. */
  extraNodeAddrs: string[];
  /** Pod networks found in the dump (`-s NET ! -o PODIF -j MASQUERADE`), routed to the pod interface. */
  extraPodNets: string[];
  /** Source of `from: "pod"` probes. */
  podSrc?: string;
  notes: string[];
}

/** Well-known pod-side interface names, in order of preference; the first one the dump references wins. */
const POD_IF_PREFS: RegExp[] = [/^cni0$/, /^docker0$/, /^cali[0-9a-f]{11}$/, /^cali\+$/, /^lxc\+$/, /^veth\+$/];

function concreteIf(name: string): string {
  return name.endsWith("+") ? `${name.slice(0, -1)}0a1b2c`.slice(0, 15) : name;
}

export function labShapeFor(d: Dump): LabShape {
  const notes: string[] = [];
  const ifaces = [...d.text.matchAll(/(?:^|\s)-[io] (\S+)/gm)].map((m) => m[1]!);
  let nodePodIf = "cni0";
  for (const re of POD_IF_PREFS) {
    const hit = ifaces.find((i) => re.test(i));
    if (hit) {
      nodePodIf = concreteIf(hit);
      break;
    }
  }
  if (nodePodIf !== "cni0") notes.push(`pod interface named ${nodePodIf} (the dump's pod-side interface)`);
  const extraNodeAddrs = [
    ...new Set(
      [...d.text.matchAll(/^-A \S+ -d (\S+)\/(?:32|128) .*-j KUBE-NODEPORTS$/gm)].map((m) => m[1]!),
    ),
  ];
  if (extraNodeAddrs.length) notes.push(`node addresses ${extraNodeAddrs.join(", ")} added to the node's eth0 (the dump's --nodeport-addresses)`);
  const extraPodNets: string[] = [];
  let podSrc: string | undefined;
  const podIfRe = nodePodIf.replace(/[.+]/g, "\\$&");
  for (const m of d.text.matchAll(new RegExp(`^-A POSTROUTING -s (\\S+) ! -o ${podIfRe} -j MASQUERADE$`, "gm"))) {
    const n = parseNet(m[1]!);
    if (!n.ok || n.net.prefixLen === null || n.net.prefixLen >= (d.family === 4 ? 31 : 127)) continue;
    if (n.net.family === 4 && formatAddr({ family: 4, value: n.net.addr }).startsWith("10.244.")) continue;
    extraPodNets.push(m[1]!);
    podSrc ??= formatAddr({ family: n.net.family, value: n.net.addr + 2n });
  }
  if (extraPodNets.length) notes.push(`pod network ${extraPodNets.join(", ")} routed to ${nodePodIf}; pod probes come from ${podSrc}`);
  const shape: LabShape = { nodeExtIf: "eth0", nodePodIf, extraNodeAddrs, extraPodNets, notes };
  if (podSrc) shape.podSrc = podSrc;
  return shape;
}

/** Apply the shape's extra addresses/routes in the lab's node namespace. */
export function applyShape(lab: Lab, shape: LabShape): void {
  const t = lab.topo;
  const s: string[] = ["set -e"];
  for (const a of shape.extraNodeAddrs) s.push(a.includes(":") ? `ip addr add ${a}/128 dev ${t.nodeExtIf} nodad` : `ip addr add ${a}/32 dev ${t.nodeExtIf}`);
  for (const n of shape.extraPodNets)
    s.push(n.includes(":") ? `ip -6 route add ${n} via ${t.podIPs6[0]} dev ${t.nodePodIf} onlink` : `ip route add ${n} via ${t.podIPs4[0]} dev ${t.nodePodIf} onlink`);
  if (s.length === 1) return;
  const r = lab.exec("node", s.join("\n"));
  if (r.status !== 0) throw new Error(`adapting the lab failed: ${r.stderr}`);
}

/** The lab's node as the engine sees it: its addresses (node IP first), routes and interface names. */
export function nodeContextFor(t: Topology, shape: LabShape): NodeContext {
  const addr = (s: string): IpAddr => {
    const a = parseAddr(s);
    if (!a) throw new Error(`bad address ${s}`);
    return a;
  };
  const route = (cidr: string, iface: string) => {
    const n = parseNet(cidr);
    if (!n.ok || n.net.prefixLen === null) throw new Error(`bad route ${cidr}`);
    return { family: n.net.family, addr: n.net.addr, prefixLen: n.net.prefixLen, iface };
  };
  return makeNodeContext({
    localAddresses: [
      // The lab configures 192.0.2.10/24 on eth0 and 10.244.0.1/32 on the pod interface; the prefix
      // lengths tell the engine about the subnet broadcast address, as the kernel knows it.
      { addr: addr(t.nodeIP4), iface: t.nodeExtIf, prefixLen: 24 },
      { addr: addr(t.nodePodGw4), iface: t.nodePodIf, prefixLen: 32 },
      ...shape.extraNodeAddrs.map((a) => ({ addr: addr(a), iface: t.nodeExtIf })),
      ...(t.ipv6 ? [{ addr: addr(t.nodeIP6), iface: t.nodeExtIf }, { addr: addr(t.nodePodGw6), iface: t.nodePodIf }] : []),
    ],
    routes: [
      route(t.podCidr4, t.nodePodIf),
      route(`${t.extIP4.split(".").slice(0, 3).join(".")}.0/24`, t.nodeExtIf),
      ...shape.extraPodNets.map((n) => route(n, t.nodePodIf)),
      ...(t.ipv6 ? [route(t.podCidr6, t.nodePodIf), route("2001:db8:0:1::/64", t.nodeExtIf)] : []),
    ],
    externalIface: t.nodeExtIf,
    podIface: t.nodePodIf,
  });
}

// ------------------------------------------------------------------------------------------ probe plan

export interface PlannedProbe {
  packet: Packet;
  /** Why this probe exists (category and the dump line it came from). */
  why: string;
}

type Proto = "tcp" | "udp" | "sctp";

interface Target {
  dst: string;
  proto: Proto;
  dport: number;
  line: number;
}

/** Unassigned addresses: nothing in the lab or any dump owns or names them. */
export const RANDOM_ADDR: Record<Family, string> = { 4: "198.18.7.7", 6: "2001:db8:77::7" };
/** A second external client, outside every source range of the corpus. */
export const OTHER_CLIENT: Record<Family, string> = { 4: "198.18.9.9", 6: "2001:db8:99::9" };

function ruleLines(text: string): { table: string; chain: string; rule: string; line: number }[] {
  const out: { table: string; chain: string; rule: string; line: number }[] = [];
  let table = "";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith("*")) table = l.slice(1).trim();
    const m = /^(?:\[\d+:\d+\] )?-A (\S+) (.*)$/.exec(l);
    if (m) out.push({ table, chain: m[1]!, rule: m[2]!, line: i + 1 });
  }
  return out;
}

function firstPort(rule: string): number | undefined {
  const m = /(?:^|\s)(!\s)?--dports? (\d+)/.exec(rule);
  if (!m || m[1]) return undefined;
  const n = Number(m[2]);
  return n > 0 && n < 65536 ? n : undefined;
}

function hostDst(rule: string, family: Family): string | undefined {
  const m = /(?:^|\s)(!\s)?-d (\S+)\/(\d+)(?:\s|$)/.exec(rule);
  if (!m || m[1]) return undefined;
  if (Number(m[3]) !== (family === 4 ? 32 : 128)) return undefined;
  return m[2]!;
}

function protoOf(rule: string): Proto | undefined {
  const m = /(?:^|\s)(!\s)?-p (tcp|udp|sctp)(?:\s|$)/.exec(rule);
  return m && !m[1] ? (m[2] as Proto) : undefined;
}

/**
 * The probes of one dump, derived from its rules:
 *  - services: every `-d HOST … -p P … --dport N` rule of any table (cluster, external and
 *    load-balancer IPs in KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, DOCKER, …), from every origin;
 *  - node ports: every `-p P … --dport N` rule without `-d` (KUBE-NODEPORTS, DOCKER, CNI-DN-…,
 *    health checks), sent to the node IP from every origin; `-d 127.0.0.0/8` ones also to 127.0.0.1
 *    from the host (localhost node ports);
 *  - endpoints: every DNAT destination, from a pod (pod-to-pod, hairpin);
 *  - wrong protocol/port: each service with the other protocol (udp/tcp; sctp for tcp) and port N+1;
 *  - ICMP echo to the first services, SCTP INIT, the node's IPs, its pod-side gateway, an unassigned
 *    address, and an external client outside the load-balancer source ranges;
 * interleaved (round robin over the categories) and cut at `cap`.
 */
function targetsOf(d: Dump, t: Topology, shape: LabShape): { services: Target[]; nodePorts: (Target & { localhost: boolean })[]; endpoints: Target[] } {
  const f = d.family;
  // node ports go to every node address: the dump may only send some of them to KUBE-NODEPORTS
  const nodeIPs = [f === 4 ? t.nodeIP4 : t.nodeIP6, ...shape.extraNodeAddrs.filter((a) => parseAddr(a)?.family === f)];
  const loop = f === 4 ? "127.0.0.1" : "::1";
  const rules = ruleLines(d.text);
  const services: Target[] = [];
  const nodePorts: (Target & { localhost: boolean })[] = [];
  const endpoints: Target[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    const proto = protoOf(r.rule);
    const dport = firstPort(r.rule);
    const dnat = /-j DNAT --to-destination (\[[^\]]+\]|[^\s:]+)(?::(\d+))?/.exec(r.rule);
    if (dnat && proto) {
      const ip = dnat[1]!.replace(/^\[|\]$/g, "");
      const port = dnat[2] ? Number(dnat[2]) : dport;
      if (port && parseAddr(ip)?.family === f && !seen.has(`ep ${ip} ${proto} ${port}`)) {
        seen.add(`ep ${ip} ${proto} ${port}`);
        endpoints.push({ dst: ip, proto, dport: port, line: r.line });
      }
    }
    if (!proto || dport === undefined) continue;
    const dst = hostDst(r.rule, f);
    if (dst) {
      if (dst.startsWith("127.") || dst === "::1") {
        const k = `np ${loop} ${proto} ${dport}`;
        if (!seen.has(k)) (seen.add(k), nodePorts.push({ dst: loop, proto, dport, line: r.line, localhost: true }));
        continue;
      }
      const k = `svc ${dst} ${proto} ${dport}`;
      if (!seen.has(k)) (seen.add(k), services.push({ dst, proto, dport, line: r.line }));
    } else if (!/(?:^|\s)-d /.test(r.rule) || /(?:^|\s)-d 127\.0\.0\.0\/8 /.test(r.rule)) {
      for (const nodeIP of nodeIPs) {
        const k = `np ${nodeIP} ${proto} ${dport}`;
        if (!seen.has(k)) (seen.add(k), nodePorts.push({ dst: nodeIP, proto, dport, line: r.line, localhost: /-d 127\.0\.0\.0\/8 /.test(r.rule) }));
      }
    }
  }
  return { services, nodePorts, endpoints };
}

/**
 * Candidates for the statistic test: every service and node port target, from outside (the engine
 * then tells which of them are ladders).
 */
export function ladderCandidates(d: Dump, t: Topology, shape: LabShape): PlannedProbe[] {
  const { services, nodePorts } = targetsOf(d, t, shape);
  return [
    ...services.map((s) => ({ packet: { from: "external" as const, dst: s.dst, proto: s.proto, dport: s.dport }, why: `service rule line ${s.line}` })),
    ...nodePorts
      .filter((n) => !n.dst.startsWith("127.") && n.dst !== "::1")
      .map((n) => ({ packet: { from: "external" as const, dst: n.dst, proto: n.proto, dport: n.dport }, why: `node port rule line ${n.line}` })),
  ];
}

export function planProbes(d: Dump, t: Topology, shape: LabShape, cap: number): PlannedProbe[] {
  const f = d.family;
  const nodeIP = f === 4 ? t.nodeIP4 : t.nodeIP6;
  const podGw = f === 4 ? t.nodePodGw4 : t.nodePodGw6;
  const loop = f === 4 ? "127.0.0.1" : "::1";
  const { services, nodePorts, endpoints } = targetsOf(d, t, shape);
  const P = (packet: Packet, why: string): PlannedProbe => ({ packet, why });
  const pod = (p: Omit<Packet, "from">): Packet => ({ from: "pod", ...(shape.podSrc ? { src: shape.podSrc } : {}), ...p });
  const origins = (tg: Target, why: string): PlannedProbe[] => [
    P({ from: "external", dst: tg.dst, proto: tg.proto, dport: tg.dport }, why),
    P(pod({ dst: tg.dst, proto: tg.proto, dport: tg.dport }), why),
    P({ from: "host", dst: tg.dst, proto: tg.proto, dport: tg.dport }, why),
    P({ from: "external", src: OTHER_CLIENT[f], dst: tg.dst, proto: tg.proto, dport: tg.dport }, `${why}, other client`),
  ];
  /**
   * Every variant of every item, ordered so that a cap still covers every item: first each item once
   * (item i with variant i mod n), then each item's next variant, and so on.
   */
  const spread = <T>(items: T[], variants: (x: T) => PlannedProbe[]): PlannedProbe[] => {
    const all = items.map(variants);
    const width = Math.max(0, ...all.map((v) => v.length));
    const out: PlannedProbe[] = [];
    for (let j = 0; j < width; j++) all.forEach((v, i) => v.length && j < v.length && out.push(v[(i + j) % v.length]!));
    return out;
  };
  const cats: PlannedProbe[][] = [];
  cats.push(spread(services, (s) => origins(s, `service rule line ${s.line}`)));
  cats.push(
    spread(nodePorts, (n) =>
      n.localhost && n.dst === loop
        ? [P({ from: "host", src: loop, dst: loop, proto: n.proto, dport: n.dport }, `localhost port, line ${n.line}`)]
        : [
            ...origins(n, `node port rule line ${n.line}`),
            ...(n.localhost ? [P({ from: "host", src: loop, dst: loop, proto: n.proto, dport: n.dport }, `localhost node port, line ${n.line}`)] : []),
          ],
    ),
  );
  cats.push(endpoints.map((e) => P(pod({ dst: e.dst, proto: e.proto, dport: e.dport }), `DNAT endpoint, line ${e.line}`)));
  cats.push(
    spread(services, (s) => [
      P({ from: "external", dst: s.dst, proto: s.proto === "udp" ? "tcp" : "udp", dport: s.dport }, `wrong protocol for line ${s.line}`),
      P(pod({ dst: s.dst, proto: s.proto, dport: s.dport === 65535 ? 1 : s.dport + 1 }), `wrong port for line ${s.line}`),
      ...(s.proto === "tcp" ? [P({ from: "host", dst: s.dst, proto: "sctp", dport: s.dport }, `sctp INIT to tcp line ${s.line}`)] : []),
    ]),
  );
  const fixed: PlannedProbe[] = [];
  const firstSvc = services.find((s) => !s.dst.startsWith("127."));
  if (firstSvc) {
    fixed.push(P({ from: "external", dst: firstSvc.dst, proto: "icmp" }, `icmp echo to service IP (line ${firstSvc.line})`));
    fixed.push(P(pod({ dst: firstSvc.dst, proto: "icmp" }), `icmp echo to service IP (line ${firstSvc.line})`));
  }
  for (const from of ["external", "pod", "host"] as const) {
    const mk = (p: Omit<Packet, "from">, why: string) => P(from === "pod" ? pod(p) : { from, ...p }, why);
    fixed.push(mk({ dst: nodeIP, proto: "tcp", dport: 22 }, "node IP, tcp 22"));
    fixed.push(mk({ dst: RANDOM_ADDR[f], proto: "tcp", dport: 80 }, "unassigned address, tcp 80"));
    fixed.push(mk({ dst: nodeIP, proto: "icmp" }, "icmp echo to the node IP"));
    fixed.push(mk({ dst: RANDOM_ADDR[f], proto: "udp", dport: 53 }, "unassigned address, udp 53"));
    fixed.push(mk({ dst: podGw, proto: "udp", dport: 10250 }, "pod-side gateway address, udp 10250"));
    fixed.push(mk({ dst: nodeIP, proto: "sctp", dport: 3868 }, "node IP, sctp INIT 3868"));
  }
  fixed.push(P({ from: "external", src: OTHER_CLIENT[f], dst: nodeIP, proto: "udp", dport: 30053 }, "other client to the node IP"));
  for (const a of shape.extraNodeAddrs) fixed.push(P({ from: "external", dst: a, proto: "tcp", dport: 22 }, `extra node address ${a}`));
  cats.push(fixed);
  // round robin over the categories, dedupe, cap
  const out: PlannedProbe[] = [];
  const keys = new Set<string>();
  const key = (p: Packet) => `${p.from}|${p.src ?? ""}|${p.dst}|${p.proto}|${p.dport ?? ""}`;
  for (let i = 0; out.length < cap && cats.some((c) => i < c.length); i++) {
    for (const c of cats) {
      const p = c[i];
      if (!p || out.length >= cap) continue;
      const k = key(p.packet);
      if (keys.has(k)) continue;
      keys.add(k);
      out.push(p);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------ engine side

/** IP header + the transport header sendpkt.py writes (TCP 20, UDP 8, SCTP common header + INIT 32, ICMP echo 8). */
const L4_LEN: Record<number, number> = { 6: 20, 17: 8, 132: 32, 1: 8, 58: 8 };

/** The engine's packet for a planned probe (default addresses of the harness, a fixed source port). */
export function specForPlanned(p: Packet, t: Topology): PacketSpec {
  const v6 = p.dst.includes(":");
  const src = p.src ?? (p.from === "external" ? (v6 ? t.externalClient6 : t.externalClient4) : p.from === "pod" ? (v6 ? t.podIPs6[0]! : t.podIPs4[0]!) : v6 ? t.nodeIP6 : t.nodeIP4);
  const proto = typeof p.proto === "number" ? p.proto : { tcp: 6, udp: 17, sctp: 132, icmp: v6 ? 58 : 1, icmpv6: 58 }[p.proto];
  return {
    src: parseAddr(src)!,
    dst: parseAddr(p.dst)!,
    proto,
    from: p.from,
    ...(proto === 6 || proto === 17 || proto === 132 ? { sport: 40000, dport: p.dport } : {}),
  };
}

/** The engine's packet for what the harness actually sent. */
export function specFor(r: ProbeResult): PacketSpec {
  const s = r.sent;
  const a = (x: string) => parseAddr(x)!;
  const spec: { -readonly [K in keyof PacketSpec]: PacketSpec[K] } = {
    src: a(s.src),
    dst: a(s.dst),
    proto: s.proto,
    from: s.from,
    length: (s.family === 4 ? 20 : 40) + (L4_LEN[s.proto] ?? 0) + (s.payload ? s.payload.length / 2 : 0),
  };
  if (s.proto === 6 || s.proto === 17 || s.proto === 132) {
    spec.sport = s.sport;
    spec.dport = s.dport;
  }
  if (s.proto === 6) spec.tcpFlags = s.tcpFlags;
  if (s.proto === 1 || s.proto === 58) {
    spec.icmpType = s.icmpType;
    spec.icmpCode = s.icmpCode;
  }
  if (s.from === "host") {
    spec.uid = 0;
    spec.gid = 0;
  }
  return spec;
}

/**
 * Answers for the engine's assumptions that the lab's state decides: the harness creates every
 * referenced ipset empty and the suite clears every `recent` list before each probe, so membership
 * tests are false. Everything else (limit, quota, time, socket, …) is left to the engine's branching.
 */
export function labAssume(key: string): boolean | undefined {
  if (key.startsWith("set:") || key.startsWith("recent:")) return false;
  return undefined;
}

export function makeEngine(d: Dump, ctx: NodeContext): Engine {
  return compile(d.ruleset, ctx);
}

// ------------------------------------------------------------------------------------------ comparison

export interface Step {
  /** lower-case hook of the traversal (undefined when the kernel side has no trace: legacy backend). */
  hook?: string;
  table: string;
  chain: string;
  index?: number;
  policy?: string;
}

export function stepKey(s: Step, withHook: boolean): string {
  const h = withHook && s.hook ? `${s.hook}:` : "";
  return s.index !== undefined ? `${h}${s.table}/${s.chain}#${s.index}` : `${h}${s.table}/${s.chain}=${s.policy}`;
}

/** What the kernel did with the probe: its steps (pipeline order when traced) and where it went. */
export interface KernelView {
  steps: Step[];
  ordered: boolean;
  /** Probe packets that left the node (after NAT), TEE duplicates removed. */
  fates: WireFate[];
  problems: string[];
  /** Locally generated duplicates of the probe (TEE) whose steps were set aside, like replies. */
  duplicates: number;
}

export interface WireFate {
  side: string;
  src: string;
  dst: string;
  dport?: number;
}

export function fmtWire(f: WireFate): string {
  return `${f.side} ${f.src} > ${f.dst}${f.dport !== undefined ? `:${f.dport}` : ""}`;
}

/**
 * The kernel's view of the probe packet itself. With the nf_tables trace, events of the probe's
 * markers are grouped by trace id (one per skb and input interface): a trace id whose first event is
 * at the output hook, other than the very first one, belongs to a copy the node made and sent itself
 * (TEE): the probe only traverses OUTPUT when it comes from the host, and then first. Such copies are
 * set aside like replies, and so is the delivered packet with the copy's headers.
 */
export function kernelView(r: ProbeResult, d: Dump): KernelView {
  const problems: string[] = [...r.errors];
  const fates: WireFate[] = r.delivered
    .filter((x) => x.kind === "probe")
    .map((x) => ({ side: x.to, src: x.src, dst: x.dst, ...(x.dport !== undefined ? { dport: x.dport } : {}) }));
  if (r.trace) {
    const steps: Step[] = [];
    const firstHook = new Map<number, string | undefined>();
    let firstId: number | undefined;
    for (const s of r.trace) {
      if (s.kind !== "probe") continue;
      if (firstId === undefined) firstId = s.traceId;
      if (!firstHook.has(s.traceId)) firstHook.set(s.traceId, s.hook?.toLowerCase());
    }
    const dup = new Set([...firstHook].filter(([id, h]) => id !== firstId && h === "output").map(([id]) => id));
    for (const s of r.trace) {
      if (s.kind !== "probe" || dup.has(s.traceId) || s.family !== d.family || !d.tables.has(s.table)) continue;
      const hook = s.hook?.toLowerCase();
      if (s.type === "rule") {
        if (s.index === undefined) problems.push(`trace event without a rule position in ${s.table}/${s.chain}`);
        else steps.push({ ...(hook ? { hook } : {}), table: s.table, chain: s.chain, index: s.index });
      } else if (s.type === "policy") steps.push({ ...(hook ? { hook } : {}), table: s.table, chain: s.chain, policy: (s.verdict ?? "?").toUpperCase() });
    }
    for (const id of dup) {
      // the copy's headers as the trace saw them (copies are untracked: no NAT after that)
      const pkt = r.trace.find((s) => s.traceId === id && s.pkt)?.pkt;
      const i = pkt ? fates.findIndex((f) => f.src === pkt.src && f.dst === pkt.dst && f.dport === pkt.dport) : -1;
      if (i >= 0) fates.splice(i, 1);
      else problems.push(`a TEE copy (trace id ${id}) could not be matched to a delivered packet`);
    }
    return { steps, ordered: true, fates, problems, duplicates: dup.size };
  }
  const steps: Step[] = [];
  for (const m of r.probeMatched) if (m.family === d.family && d.tables.has(m.table)) for (let i = 0; i < m.packets; i++) steps.push({ table: m.table, chain: m.chain, index: m.index });
  for (const p of r.probePolicies) if (p.family === d.family && d.tables.has(p.table)) for (let i = 0; i < p.packets; i++) steps.push({ table: p.table, chain: p.chain, policy: p.policy });
  return { steps, ordered: false, fates, problems, duplicates: 0 };
}

export function engineSteps(trace: readonly EngineStep[]): Step[] {
  return trace.map((s) =>
    isPolicyStep(s)
      ? { hook: s.hook.toLowerCase(), table: s.table, chain: s.chain, policy: s.policy }
      : { hook: s.hook.toLowerCase(), table: s.table, chain: s.chain, index: s.index },
  );
}

interface Span {
  lo: bigint;
  hi: bigint;
}

/** Where the engine says the packet goes; NAT ranges (`to A-B:P-Q`) allow any address/port in them. */
export interface EngineFate {
  side: string;
  src: Span;
  dst: Span;
  dport?: { lo: number; hi: number };
  text: string;
}

/** `to ADDR[-ADDR][:PORT[-PORT][/BASE]]` (or `[v6-range]:ports`), as the NAT targets' detail prints it. */
function natRangeOf(detail: string): { addr?: Span; port?: { lo: number; hi: number } } {
  const m = /^to (\S+)(?: port (\S+))?$/.exec(detail);
  if (!m) return {};
  let addr = m[1]!;
  let port = m[2] ?? "";
  if (addr.startsWith("[")) {
    const i = addr.indexOf("]");
    port = addr.slice(i + 2);
    addr = addr.slice(1, i);
  } else if (addr.startsWith(":") && !addr.startsWith("::")) {
    port = addr.slice(1);
    addr = "";
  } else if (addr.includes(".") && addr.includes(":")) {
    const i = addr.indexOf(":");
    port = addr.slice(i + 1);
    addr = addr.slice(0, i);
  }
  const out: { addr?: Span; port?: { lo: number; hi: number } } = {};
  if (addr) {
    const [a, b] = addr.split("-");
    const lo = parseAddr(a!);
    const hi = parseAddr(b ?? a!);
    if (lo && hi) out.addr = { lo: lo.value, hi: hi.value };
  }
  const pm = /^(\d+)(?:-(\d+))?/.exec(port);
  if (pm) out.port = { lo: Number(pm[1]), hi: Number(pm[2] ?? pm[1]) };
  return out;
}

export function engineFate(o: Outcome, t: Topology): EngineFate | "none" {
  if (o.verdict !== "ACCEPT" || (o.delivery !== "forward" && o.delivery !== "output")) return "none";
  const side = o.outIface === t.nodePodIf ? "pod" : o.outIface === t.nodeExtIf ? "external" : `iface ${o.outIface}`;
  const p = o.packet;
  const f: EngineFate = { side, src: { lo: p.src.value, hi: p.src.value }, dst: { lo: p.dst.value, hi: p.dst.value }, text: "" };
  if (p.dport !== undefined) f.dport = { lo: p.dport, hi: p.dport };
  let text = `${side} ${formatAddr(p.src)} > ${formatAddr(p.dst)}${p.dport !== undefined ? `:${p.dport}` : ""}`;
  const lastSrc = [...o.nat].reverse().find((n) => n.kind === "SNAT" || n.kind === "MASQUERADE");
  const lastDst = [...o.nat].reverse().find((n) => n.kind === "DNAT" || n.kind === "REDIRECT");
  if (lastSrc) {
    const r = natRangeOf(lastSrc.detail);
    if (r.addr && r.addr.lo !== r.addr.hi) (f.src = r.addr), (text += ` (source in ${lastSrc.detail})`);
  }
  if (lastDst) {
    const r = natRangeOf(lastDst.detail);
    if (r.addr && r.addr.lo !== r.addr.hi) (f.dst = r.addr), (text += ` (destination in ${lastDst.detail})`);
    if (r.port && r.port.lo !== r.port.hi && f.dport) (f.dport = r.port), (text += ` (port in ${lastDst.detail})`);
  }
  f.text = text;
  return f;
}

function fateMatches(kernel: WireFate[], e: EngineFate | "none"): boolean {
  if (e === "none") return kernel.length === 0;
  if (kernel.length !== 1) return false;
  const k = kernel[0]!;
  const src = parseAddr(k.src);
  const dst = parseAddr(k.dst);
  if (!src || !dst) return false;
  const inSpan = (s: Span, v: bigint) => v >= s.lo && v <= s.hi;
  if (k.side !== e.side || !inSpan(e.src, src.value) || !inSpan(e.dst, dst.value)) return false;
  if ((k.dport === undefined) !== (e.dport === undefined)) return false;
  return k.dport === undefined || (k.dport >= e.dport!.lo && k.dport <= e.dport!.hi);
}

export function fmtKernelFate(k: KernelView): string {
  return k.fates.length ? k.fates.map(fmtWire).join(", ") : "did not leave the node";
}

export function fmtEngineFate(e: EngineFate | "none"): string {
  return e === "none" ? "did not leave the node" : e.text;
}

export interface Candidate {
  outcome: Outcome;
  probability: number;
  steps: Step[];
  fate: EngineFate | "none";
}

export function candidates(outcomes: readonly Outcome[], t: Topology): Candidate[] {
  const out: Candidate[] = [];
  for (const o of outcomes) {
    const fate = engineFate(o, t);
    const paths = o.alternatives?.length ? o.alternatives : [{ probability: o.probability, trace: o.trace }];
    for (const a of paths) if (a.probability > 0) out.push({ outcome: o, probability: a.probability, steps: engineSteps(a.trace), fate });
  }
  return out;
}

function multiset(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Keys in a but not in b (with multiplicity). */
function minus(a: string[], b: string[]): string[] {
  const mb = multiset(b);
  const out: string[] = [];
  for (const k of a) {
    const n = mb.get(k) ?? 0;
    if (n > 0) mb.set(k, n - 1);
    else out.push(k);
  }
  return out;
}

export interface Judgement {
  ok: boolean;
  /** The candidate that matched (ok) or came closest (not ok). */
  best?: Candidate;
  /** Same multiset, different order (counts as a disagreement). */
  orderOnly?: boolean;
  missing?: string[];
  extra?: string[];
  fateDiffers?: boolean;
}

/**
 * Does one of the engine's candidates (every path with probability > 0, merged alternatives included)
 * give exactly the kernel's multiset of steps and the kernel's fate? When the kernel was traced, the
 * matching candidate must also list the steps in the kernel's order (hooks compared too).
 */
export function judge(kernel: KernelView, cands: Candidate[]): Judgement {
  const withHook = kernel.ordered;
  const kk = kernel.steps.map((s) => stepKey(s, withHook));
  let best: Judgement | undefined;
  let bestScore = Infinity;
  for (const c of cands) {
    const ck = c.steps.map((s) => stepKey(s, withHook));
    const missing = minus(kk, ck); // kernel matched, engine did not predict
    const extra = minus(ck, kk); // engine predicted, kernel did not match
    const fateDiffers = !fateMatches(kernel.fates, c.fate);
    if (!missing.length && !extra.length && !fateDiffers) {
      if (!kernel.ordered || ck.join(" ") === kk.join(" ")) return { ok: true, best: c };
      if (bestScore > 0.5) {
        bestScore = 0.5;
        best = { ok: false, best: c, orderOnly: true, missing: [], extra: [], fateDiffers: false };
      }
      continue;
    }
    const score = missing.length + extra.length + (fateDiffers ? 1 : 0);
    if (score < bestScore) {
      bestScore = score;
      best = { ok: false, best: c, missing, extra, fateDiffers };
    }
  }
  return best ?? { ok: false, missing: kk, extra: [] };
}

export function fmtPacket(r: ProbeResult): string {
  const s = r.sent;
  const proto = { 6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "icmpv6" }[s.proto] ?? String(s.proto);
  const host = (a: string) => (a.includes(":") ? `[${a}]` : a);
  const ports = s.dport !== undefined && proto !== "icmp" && proto !== "icmpv6";
  return `from ${s.from}: ${proto} ${host(s.src)}${ports ? `:${s.sport}` : ""} > ${host(s.dst)}${ports ? `:${s.dport}` : proto.startsWith("icmp") ? ` type ${s.icmpType}` : ""}`;
}

function fmtSteps(steps: Step[], withHook: boolean): string {
  return steps.map((s) => stepKey(s, withHook)).join(" ") || "(nothing)";
}

export function fmtDisagreement(d: Dump, why: string, r: ProbeResult, kernel: KernelView, cands: Candidate[], v: Judgement): string {
  const w = kernel.ordered;
  const lines = [
    `✗ ${d.file} | ${fmtPacket(r)} | ${why}`,
    `  kernel (${r.separation}): ${fmtSteps(kernel.steps, w)}`,
    `    fate: ${fmtKernelFate(kernel)}`,
  ];
  if (v.best) {
    const o = v.best.outcome;
    lines.push(`  closest engine outcome p=${v.best.probability.toPrecision(4)} ${o.verdict} ${o.delivery}${o.outIface ? ` ${o.outIface}` : ""}: ${fmtSteps(v.best.steps, w)}`);
    lines.push(`    fate: ${fmtEngineFate(v.best.fate)}${v.fateDiffers ? "   <-- differs" : ""}`);
    if (v.orderOnly) lines.push("    same steps, different order");
    if (v.missing?.length) lines.push(`    kernel matched, engine did not: ${v.missing.join(" ")}`);
    if (v.extra?.length) lines.push(`    engine predicted, kernel did not: ${v.extra.join(" ")}`);
    if (o.assumptions.length) lines.push(`    assumptions: ${o.assumptions.map((a) => `${a.key}=${a.holds}`).join(", ")}`);
  }
  const others = cands.filter((c) => c !== v.best).slice(0, 4);
  for (const c of others) lines.push(`  other outcome p=${c.probability.toPrecision(4)} ${c.outcome.verdict} ${fmtEngineFate(c.fate)}: ${fmtSteps(c.steps, w)}`);
  if (cands.length > others.length + 1) lines.push(`  … ${cands.length - others.length - 1} more outcomes`);
  if (!cands.length) lines.push("  engine: no outcome with probability > 0");
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------ statistics

export interface Ladder {
  packet: Packet;
  why: string;
  /** "ip:port" (or DROPPED) → probability, as the engine predicts (sums to 1). */
  expected: Map<string, number>;
  /** Session affinity (`recent`) on the path: probeMany's probes, all from one source, stick to one endpoint. */
  affinity: boolean;
}

export function destKey(ip: string, port: number | undefined): string {
  const h = ip.includes(":") ? `[${ip}]` : ip;
  return port !== undefined ? `${h}:${port}` : h;
}

/** Bucket of probes the engine says are dropped or rejected (no conntrack entry gets confirmed). */
export const DROPPED = "(dropped)";

/**
 * The engine's distribution of a probe over DNAT destinations, when it is a ladder: at least two
 * buckets with probability > 0, where a bucket is the destination after DNAT/REDIRECT (or the original
 * one) of an accepted outcome, or DROPPED for DROP/REJECT outcomes. Returns a reason when the outcomes
 * cannot be tallied (open assumptions, QUEUE/UNKNOWN), undefined when there is no ladder.
 */
export function ladderOf(outcomes: readonly Outcome[]): { expected: Map<string, number>; affinity: boolean } | { skip: string } | undefined {
  const live = outcomes.filter((o) => o.probability > 0);
  const expected = new Map<string, number>();
  let affinity = false;
  for (const o of live) {
    if (o.assumptions.some((a) => a.key.startsWith("recent:"))) affinity = true;
    if (o.assumptions.some((a) => !a.given)) return { skip: `outcomes depend on open assumptions (${o.assumptions.map((a) => a.key).join(", ")})` };
    let k: string;
    if (o.verdict === "DROP" || o.verdict === "REJECT") k = DROPPED;
    else if (o.verdict === "ACCEPT") {
      const nat = [...o.nat].reverse().find((n) => n.kind === "DNAT" || n.kind === "REDIRECT");
      k = nat ? destKey(formatAddr(nat.after.dst), nat.after.dport) : destKey(formatAddr(o.packet.dst), o.packet.dport);
    } else return { skip: `an outcome is ${o.verdict}` };
    expected.set(k, (expected.get(k) ?? 0) + o.probability);
  }
  if (expected.size < 2) return undefined;
  return { expected, affinity };
}
