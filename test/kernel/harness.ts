/**
 * Kernel harness for differential tests: the real Linux netfilter is the oracle.
 *
 * TOPOLOGY — a lab is three network namespaces (iptl-<pid>-<n><rand>-{ext,node,pod}) and two veth pairs:
 *
 *   ext ns                      node ns (the dump is loaded here)           pod ns
 *   ext0 192.0.2.1/24   <-----> eth0 192.0.2.10/24
 *        2001:db8:0:1::1/64          2001:db8:0:1::10/64
 *                               cni0 10.244.0.1/32                <-----> eth0 10.244.0.2..5/32
 *                                    fd00:10:244::1/128                        fd00:10:244::2..5/128
 *   default via 192.0.2.10      default via 192.0.2.1 (ext)                 default via 10.244.0.1
 *   (so any service/ext IP      10.244.0.0/16, fd00:10:244::/48 via pod     (fd00:10:244::1)
 *    goes to the node)
 *
 * Node interface names are options (nodeExtIf/nodePodIf).  External clients default to
 * 203.0.113.7 / 2001:db8:ffff::7 (any source may be used: rp_filter is off everywhere).  The node
 * forwards (ip_forward, IPv6 forwarding), has route_localnet=1, send_redirects=0, no ICMP rate
 * limits.  The ext and pod namespaces are *silent*: an nftables chain there drops every IP packet
 * arriving on their veth (after the AF_PACKET capture has seen it), so only the node ever reacts
 * to a probe, and every packet addressed anywhere behind the node is observable.  All neighbour
 * entries are permanent: no ARP/NDP happens during a probe.
 *
 * PROBES — sendpkt.py (python3 standard library; one long-lived helper process per lab) crafts
 * IPv4/IPv6 + TCP/UDP/SCTP(CRC32c)/ICMP/ICMPv6 packets with correct checksums.  from:"external"
 * and from:"pod" packets are written as Ethernet frames onto ext0 / the pod's eth0 (AF_PACKET), so
 * the node receives them exactly as crafted; from:"host" packets go through a raw IP socket in the
 * node namespace (OUTPUT path).  Before each probe the helper drains its sockets and the harness
 * zeroes every counter (iptables -Z per table) and flushes conntrack; after sending, the helper
 * reads until 15 ms pass with no new trace event or captured packet (processing over veth is
 * synchronous in softirq, so this is deterministic in practice), then counters
 * (iptables-save -c) and conntrack (conntrack -L -o extended) are read once.
 *
 * SEPARATING THE PROBE FROM THE NODE'S REPLIES — a REJECT's RST/ICMP error, the stack's RST for a
 * closed port, an echo reply... traverse OUTPUT, POSTROUTING (and even nat POSTROUTING when the
 * probe's conntrack entry never got its SNAT binding) and bump counters too.  `matched`/`policies`
 * are those raw counters.  The best separation is `probeMatched`/`replyMatched` (+ the *Policies):
 *   - separation "trace" (nf_tables backend, default): an extra nf_tables table `iptl_trace` in the
 *     node (invisible to iptables-save; its own chains, so the dump's rules and counters are
 *     untouched) sets `meta nftrace` on every packet at prerouting/output priority -400; the helper
 *     listens to the NFNLGRP_NFTRACE netlink group and gets one event per matched rule, jump,
 *     return and policy, in pipeline order.  Each packet is recognised by markers that NAT never
 *     rewrites and that kernel-generated packets do not carry: a random IPv4 identification /
 *     IPv6 flow label (auto_flowlabels=0 in the node) + protocol + random TCP sequence number (and
 *     not an ICMP error).  Events of other packets whose destination is the probe's source are
 *     "reply"; anything else is "other" (in neither list).  The harness checks that the trace
 *     accounts for every counted packet (else a message lands in `errors`) and maps nft rule
 *     handles to 1-based iptables rule positions (nft -j -a list ruleset).
 *   - separation "heuristic" (legacy backend, or trace: false): from counters alone — a probe that
 *     did not come from the host never traverses OUTPUT, so hits in chains reachable only from
 *     OUTPUT are replies; POSTROUTING-only chains count as reply too when the probe did not leave
 *     the node but a reply did.  Ambiguous cases are attributed to the probe.
 * Where the probe went: `delivered` lists every IP packet that left the node towards the pod or
 * ext namespace (AF_PACKET capture there), with headers after NAT and kind probe/reply/other.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

// ------------------------------------------------------------------------------------------ types

export type Family = 4 | 6;
export type Role = "ext" | "node" | "pod";
export type From = "external" | "pod" | "host";
export type ProtoName = "tcp" | "udp" | "sctp" | "icmp" | "icmpv6";
export type Table = "raw" | "mangle" | "nat" | "filter" | "security";

export interface Packet {
  from: From;
  family?: Family;
  /** Source address; defaults: external 203.0.113.7 / 2001:db8:ffff::7, pod 10.244.0.2 / fd00:10:244::2, host node IP. */
  src?: string;
  dst: string;
  proto: ProtoName | number;
  sport?: number;
  dport?: number;
  /** Number (bit mask: FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32) or names "SYN,ACK". Default SYN. */
  tcpFlags?: number | string;
  icmpType?: number;
  icmpCode?: number;
  ttl?: number;
  /** Hex payload bytes appended after the transport header. */
  payload?: string;
  /** Corrupt the transport checksum (TCP/UDP/SCTP CRC32c/ICMP) on purpose. */
  badChecksum?: boolean;
}

/** The packet as actually sent (defaults resolved, marker fields added). */
export interface SentPacket {
  from: From;
  family: Family;
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  ttl: number;
  payload?: string;
  badChecksum?: boolean;
  /** Markers used to recognise the probe after NAT: IPv4 identification, IPv6 flow label, TCP seq. */
  ipId?: number;
  flowLabel?: number;
  seq: number;
}

export interface RuleCounter {
  family: Family;
  table: string;
  chain: string;
  /** 1-based position of the rule in its chain. */
  index: number;
  packets: number;
  bytes: number;
  /** Rule as rendered by iptables-save (without the counter prefix). */
  ruleText: string;
  /** 1-based line in the dump text given to load(), when it could be mapped. */
  line?: number;
}

export interface PolicyCounter {
  family: Family;
  table: string;
  chain: string;
  policy: string;
  packets: number;
  bytes: number;
}

export interface ConntrackEntry {
  family: Family;
  proto: string;
  state?: string;
  origSrc: string;
  origDst: string;
  origSport?: number;
  origDport?: number;
  replySrc: string;
  replyDst: string;
  replySport?: number;
  replyDport?: number;
  /** ICMP type/code/id of the original direction. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  mark?: number;
  flags: string[];
  raw: string;
}

export interface WirePacket {
  family: Family;
  /** IP total length. */
  len?: number;
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  ttl?: number;
  ipId?: number;
  flowLabel?: number;
  /** For ICMP errors: the offending packet quoted inside. */
  inner?: Omit<WirePacket, "inner">;
}

export type PacketKind = "probe" | "reply" | "other";

export interface Delivered extends WirePacket {
  /** Namespace the packet left the node towards. */
  to: "pod" | "external";
  /** probe = the probe itself (possibly NAT-translated); reply = generated by the node in answer to it. */
  kind: PacketKind;
}

export interface TraceStep {
  family: Family;
  /** Hook of the base chain this evaluation started in (known for built-in chains; inherited by jumps). */
  hook?: string;
  table: string;
  chain: string;
  /** 1-based rule index in the chain; undefined for policy/return steps. */
  index?: number;
  type: "rule" | "policy" | "return" | "unspec";
  /** accept, drop, continue, jump, goto, return, queue, stolen... */
  verdict?: string;
  /** Jump/goto target chain. */
  target?: string;
  kind: PacketKind;
  traceId: number;
  iif?: string;
  oif?: string;
  mark?: number;
  /** IP packet length (as the kernel's byte counters count it). */
  len?: number;
  /** Headers of the packet (only on the first step of each base-chain evaluation). */
  pkt?: WirePacket;
  ruleText?: string;
}

export interface ProbeResult {
  sent: SentPacket;
  /** Raw counters: every rule whose packet counter is non-zero (probe AND reply traffic). */
  matched: RuleCounter[];
  /** Every built-in chain with its policy counter (packets may be 0). */
  policies: PolicyCounter[];
  conntrack: ConntrackEntry[];
  /** Packets that left the node towards the pod or ext namespace. */
  delivered: Delivered[];
  /** nf_tables trace in pipeline order (nft backend only; undefined otherwise). */
  trace?: TraceStep[];
  /** Best separation: rule hits caused by the probe packet itself. */
  probeMatched: RuleCounter[];
  /** Best separation: rule hits caused by packets the node generated (RST, ICMP error, echo reply...). */
  replyMatched: RuleCounter[];
  /** Best separation of policy counters. */
  probePolicies: PolicyCounter[];
  replyPolicies: PolicyCounter[];
  /** "trace": exact (nf_tables trace); "heuristic": from counters + captures (legacy backend, or trace off). */
  separation: "trace" | "heuristic";
  /** Summary of the fate of the probe packet. */
  outcome: "forwarded" | "local" | "dropped" | "unknown";
  errors: string[];
  timings: { resetMs: number; sendMs: number; readMs: number; totalMs: number };
}

export interface ProbeManyResult {
  sent: number;
  /** DNAT destination "ip:port" (or "ip" for portless protocols) -> connection count, from conntrack (reply source). */
  destinations: Record<string, number>;
  /** Same tally from packets that actually left the node (probe packets only), keyed by where + dst. */
  deliveredTo: Record<string, number>;
  conntrack: ConntrackEntry[];
  matched: RuleCounter[];
  policies: PolicyCounter[];
  errors: string[];
  timings: { totalMs: number };
}

/** An ipset to create before loading a dump (see Lab.load). */
export interface IpsetSpec {
  name: string;
  /** hash:ip, hash:net, hash:ip,port, hash:ip,port,ip, hash:ip,port,net, hash:net,port, bitmap:port... */
  type: string;
  /** Defaults to the family of the dump being loaded. */
  family?: Family;
  /** Members: "10.0.0.1", "10.0.0.0/8", "10.96.0.10,udp:53", "10.244.1.5,tcp:80,10.244.1.5", "30080". */
  entries?: string[];
  /** bitmap:port range, e.g. "30000-32767". */
  range?: string;
}

export interface LoadResult {
  ok: boolean;
  stderr: string;
  /** ipset/nfacct objects the dump references that could not be created, with the reason. */
  missing?: string[];
}

export interface Topology {
  names: Record<Role, string>;
  /** Interface names in the node namespace (dumps reference these). */
  nodeExtIf: string;
  nodePodIf: string;
  /** Peer interface names. */
  extIf: string;
  podIf: string;
  nodeIP4: string;
  nodeIP6: string;
  extIP4: string;
  extIP6: string;
  nodePodGw4: string;
  nodePodGw6: string;
  podIPs4: string[];
  podIPs6: string[];
  podCidr4: string;
  podCidr6: string;
  /** Default source addresses of external clients. */
  externalClient4: string;
  externalClient6: string;
  macs: { nodeExt: string; ext: string; nodePod: string; pod: string };
  ipv6: boolean;
}

export interface LabOptions {
  /** Node interface towards ext (default "eth0"). */
  nodeExtIf?: string;
  /** Node interface towards pods (default "cni0"). */
  nodePodIf?: string;
  /** Set up IPv6 as well (default true). */
  ipv6?: boolean;
  /** net.ipv4.conf.all.route_localnet=1 in the node (default true: kube-proxy sets it). */
  routeLocalnet?: boolean;
  /** Use an nf_tables trace to attribute rule hits to probe vs reply packets (default true; nft backend only). */
  trace?: boolean;
  /** Number of pod IPs the pod namespace owns: 10.244.0.2..; default 4. */
  podIPCount?: number;
  /** Extra sysctls for the node namespace, e.g. {"net.ipv4.conf.all.accept_local": "1"}. */
  nodeSysctls?: Record<string, string>;
}

export class HarnessError extends Error {
  override name = "HarnessError";
}

// ------------------------------------------------------------------------------------------ exec

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SENDPKT = path.join(HERE, "sendpkt.py");
const NS_PREFIX = "iptl-";

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 10_000,
    killSignal: "SIGKILL",
    maxBuffer: 64 << 20,
  });
  const res: RunResult = { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  if (r.error) {
    res.error = r.error;
    const code = (r.error as NodeJS.ErrnoException).code;
    res.stderr += code === "ETIMEDOUT" ? `\n[timed out after ${opts.timeoutMs ?? 10_000} ms]` : `\n[${r.error.message}]`;
  }
  return res;
}

function must(what: string, r: RunResult): string {
  if (r.status !== 0) throw new HarnessError(`${what} failed (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

function runAsync(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr: `${stderr}\n[${e.message}]`, error: e });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: timedOut ? null : code, stdout, stderr: timedOut ? `${stderr}\n[timed out after ${timeoutMs} ms]` : stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

function nsShAsync(ns: string, script: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runAsync("ip", ["netns", "exec", ns, "sh", "-c", script], opts);
}

/** Run a shell script inside a namespace (ip netns exec NAME sh -c SCRIPT), with a timeout. */
function nsSh(ns: string, script: string, opts: { input?: string; timeoutMs?: number } = {}): RunResult {
  return run("ip", ["netns", "exec", ns, "sh", "-c", script], opts);
}

let pyExe: string | undefined;
/** The real python3 interpreter (skips slow wrapper shims such as pyenv's, ~150 ms per call). */
function pythonExe(): string {
  if (pyExe) return pyExe;
  const r = run("python3", ["-c", "import sys; print(sys.executable)"], { timeoutMs: 10_000 });
  const exe = r.stdout.trim();
  pyExe = r.status === 0 && exe.startsWith("/") ? exe : "python3";
  return pyExe;
}

function which(cmd: string): boolean {
  return run("sh", ["-c", `command -v ${cmd}`], { timeoutMs: 5000 }).status === 0;
}

// ------------------------------------------------------------------------------------------ availability

let availCache: { ok: true } | { ok: false; reason: string } | undefined;

/** Can this process run kernel tests? Cached. The reason is meant for humans (printed by skipped tests). */
export function kernelAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availCache) return availCache;
  availCache = checkAvailable();
  return availCache;
}

function checkAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== "linux") return { ok: false, reason: `kernel tests need Linux (this is ${process.platform})` };
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { ok: false, reason: `kernel tests need root to create network namespaces (running as uid ${uid})` };
  const need = ["ip", "iptables-restore", "iptables-save", "iptables", "conntrack", "python3"];
  const missing = need.filter((c) => !which(c));
  if (missing.length) return { ok: false, reason: `kernel tests need these commands, not found on PATH: ${missing.join(", ")}` };
  const ls = run("ip", ["netns", "list"], { timeoutMs: 5000 });
  if (ls.status !== 0) return { ok: false, reason: `'ip netns list' failed: ${ls.stderr.trim()}` };
  const name = `${NS_PREFIX}${process.pid}-chk${randomBytes(2).toString("hex")}`;
  const add = run("ip", ["netns", "add", name], { timeoutMs: 5000 });
  if (add.status !== 0) return { ok: false, reason: `cannot create a network namespace ('ip netns add ${name}'): ${add.stderr.trim()}` };
  try {
    const t = nsSh(name, "iptables -t nat -S >/dev/null && conntrack -L >/dev/null 2>&1 && python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)'", { timeoutMs: 10_000 });
    if (t.status !== 0) return { ok: false, reason: `netfilter/conntrack/raw sockets unusable in a namespace: ${t.stderr.trim()}` };
  } finally {
    run("ip", ["netns", "del", name], { timeoutMs: 5000 });
  }
  return { ok: true };
}

export interface Capabilities {
  ip6tables: boolean;
  /** iptables-legacy-restore/-save present (load(..., {legacy: true})). */
  legacy: boolean;
  /** nft present: needed for the nf_tables trace (exact probe/reply separation, pipeline order). */
  nft: boolean;
  /** Informational only: the harness creates ipsets and nfacct objects over netlink itself. */
  ipset: boolean;
  nfacct: boolean;
}

let capsCache: Capabilities | undefined;
export function capabilities(): Capabilities {
  capsCache ??= {
    ip6tables: which("ip6tables-restore") && which("ip6tables-save"),
    legacy: which("iptables-legacy-restore") && which("iptables-legacy-save"),
    nft: which("nft"),
    ipset: which("ipset"),
    nfacct: which("nfacct"),
  };
  return capsCache;
}

// ------------------------------------------------------------------------------------------ cleanup

const liveLabs = new Set<Lab>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => destroyAllLabs());
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      destroyAllLabs();
      process.kill(process.pid, sig);
    });
  }
}

/** Destroy every lab this process created and has not destroyed yet. */
export function destroyAllLabs(): void {
  for (const lab of [...liveLabs]) lab.destroy();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Delete namespaces left behind by harness processes that no longer exist (iptl-<pid>-...). */
export function cleanupStaleNamespaces(): string[] {
  const r = run("ip", ["netns", "list"], { timeoutMs: 5000 });
  const removed: string[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^(iptl-(\d+)-[0-9a-z]+(?:-(?:ext|node|pod))?)(?:\s|$)/.exec(line.trim());
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    if (run("ip", ["netns", "del", m[1]!], { timeoutMs: 5000 }).status === 0) removed.push(m[1]!);
  }
  return removed;
}

/** Namespaces of this process that currently exist (for tests of cleanup). */
export function listNamespaces(prefix = NS_PREFIX): string[] {
  const r = run("ip", ["netns", "list"], { timeoutMs: 5000 });
  return r.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((n) => n.startsWith(prefix));
}

// ------------------------------------------------------------------------------------------ parsing

export interface SavedTable {
  family: Family;
  table: string;
  policies: PolicyCounter[];
  rules: RuleCounter[];
  /** chain -> targets it jumps/gotos to */
  jumps: Map<string, Set<string>>;
}

const BUILTIN = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);

/** Parse `iptables-save -c` output. */
export function parseSave(text: string, family: Family): SavedTable[] {
  const out: SavedTable[] = [];
  let cur: SavedTable | undefined;
  const idx = new Map<string, number>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) {
      cur = { family, table: line.slice(1), policies: [], rules: [], jumps: new Map() };
      idx.clear();
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    let m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?/.exec(line);
    if (m) {
      if (m[2] !== "-") {
        cur.policies.push({ family, table: cur.table, chain: m[1]!, policy: m[2]!, packets: Number(m[3] ?? 0), bytes: Number(m[4] ?? 0) });
      }
      continue;
    }
    m = /^(?:\[(\d+):(\d+)\]\s+)?-A\s+(\S+)\s*(.*)$/.exec(line);
    if (m) {
      const chain = m[3]!;
      const n = (idx.get(chain) ?? 0) + 1;
      idx.set(chain, n);
      const rest = m[4]!;
      cur.rules.push({ family, table: cur.table, chain, index: n, packets: Number(m[1] ?? 0), bytes: Number(m[2] ?? 0), ruleText: `-A ${chain} ${rest}`.trim() });
      const j = /(?:^|\s)-[jg]\s+(\S+)/.exec(rest);
      if (j) {
        if (!cur.jumps.has(chain)) cur.jumps.set(chain, new Set());
        cur.jumps.get(chain)!.add(j[1]!);
      }
    }
  }
  return out;
}

/** Map (table, chain, index) -> 1-based line number of the `-A` line in a dump. */
export function dumpLineMap(dump: string): Map<string, number> | undefined {
  const map = new Map<string, number>();
  let table = "";
  const idx = new Map<string, number>();
  const lines = dump.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith("*")) {
      table = line.slice(1);
      idx.clear();
      continue;
    }
    if (/^(?:\[\d+:\d+\]\s+)?-[IDRF]\s/.test(line)) return undefined; // positions not derivable
    const m = /^(?:\[\d+:\d+\]\s+)?-A\s+(\S+)/.exec(line);
    if (m) {
      const n = (idx.get(m[1]!) ?? 0) + 1;
      idx.set(m[1]!, n);
      map.set(`${table}/${m[1]}/${n}`, i + 1);
    }
  }
  return map;
}

function kv(s: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const tok of s.split(/\s+/)) {
    const i = tok.indexOf("=");
    if (i <= 0) continue;
    const k = tok.slice(0, i);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(tok.slice(i + 1));
  }
  return m;
}

/** Parse `conntrack -L -o extended` output (both families). */
export function parseConntrack(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const m = /^(ipv4|ipv6)\s+\d+\s+(\S+)\s+\d+\s+(?:\d+\s+)?(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[3]!;
    const st = /^([A-Z_]+)\s/.exec(rest);
    const f = kv(rest);
    const src = f.get("src") ?? [];
    const dst = f.get("dst") ?? [];
    if (src.length < 2 || dst.length < 2) continue;
    const num = (k: string, i: number): number | undefined => {
      const v = f.get(k)?.[i];
      return v === undefined ? undefined : Number(v);
    };
    const e: ConntrackEntry = {
      family: m[1] === "ipv4" ? 4 : 6,
      proto: m[2]!,
      origSrc: src[0]!,
      origDst: dst[0]!,
      replySrc: src[1]!,
      replyDst: dst[1]!,
      flags: [...rest.matchAll(/\[([A-Z_]+)\]/g)].map((x) => x[1]!),
      raw: line,
    };
    if (st) e.state = st[1]!;
    const sp = num("sport", 0), dp = num("dport", 0), rsp = num("sport", 1), rdp = num("dport", 1);
    if (sp !== undefined) e.origSport = sp;
    if (dp !== undefined) e.origDport = dp;
    if (rsp !== undefined) e.replySport = rsp;
    if (rdp !== undefined) e.replyDport = rdp;
    const it = num("type", 0), ic = num("code", 0), id = num("id", 0), mk = num("mark", 0);
    if (it !== undefined) e.icmpType = it;
    if (ic !== undefined) e.icmpCode = ic;
    if (id !== undefined) e.icmpId = id;
    if (mk !== undefined) e.mark = mk;
    out.push(e);
  }
  return out;
}

const PROTO_NUM: Record<ProtoName, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 };
const TCP_FLAG: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };

export function parseTcpFlags(f: number | string | undefined): number {
  if (f === undefined) return TCP_FLAG.SYN!;
  if (typeof f === "number") return f;
  let v = 0;
  for (const n of f.toUpperCase().split(/[,|+ ]+/).filter(Boolean)) {
    const b = TCP_FLAG[n];
    if (b === undefined) throw new HarnessError(`unknown TCP flag ${n}`);
    v |= b;
  }
  return v;
}

const VERDICTS: Record<number, string> = { 0: "drop", 1: "accept", 2: "stolen", 3: "queue", 4: "repeat", 5: "stop", [-1]: "continue", [-2]: "break", [-3]: "jump", [-4]: "goto", [-5]: "return" };
const HOOK_OF_CHAIN: Record<string, string> = { PREROUTING: "prerouting", INPUT: "input", FORWARD: "forward", OUTPUT: "output", POSTROUTING: "postrouting" };

// ------------------------------------------------------------------------------------------ python helper

/** Long-lived sendpkt.py process of one lab: JSON lines over stdin/stdout. */
class PyHelper {
  private buf = "";
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private dead: Error | undefined;
  private stderr = "";

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting;
        this.waiting = undefined;
        if (!w) continue;
        clearTimeout(w.timer);
        try {
          w.resolve(JSON.parse(line));
        } catch {
          w.reject(new HarnessError(`sendpkt.py produced invalid JSON: ${line.slice(0, 300)}`));
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    const fail = (why: string) => {
      this.dead ??= new HarnessError(`sendpkt.py ${why}${this.stderr ? `: ${this.stderr.trim()}` : ""}`);
      const w = this.waiting;
      this.waiting = undefined;
      if (w) {
        clearTimeout(w.timer);
        w.reject(this.dead);
      }
    };
    child.on("exit", (code, sig) => fail(`exited (${sig ?? code})`));
    child.on("error", (e) => fail(`failed: ${e.message}`));
    child.stdin.on("error", () => {});
    // An idle helper must not keep the process alive (a pending request's timer does); a forgotten
    // lab is then cleaned up by the exit hook, and the helper exits when its stdin closes.
    child.unref();
    for (const st of [child.stdin, child.stdout, child.stderr]) (st as unknown as { unref?: () => void }).unref?.();
  }

  static async start(cfg: object, timeoutMs: number): Promise<PyHelper> {
    const child = spawn(pythonExe(), ["-I", "-S", SENDPKT], { stdio: ["pipe", "pipe", "pipe"] });
    const h = new PyHelper(child);
    const hello = (await h.request(cfg, timeoutMs)) as { ready: boolean; errors?: string[] };
    if (!hello.ready) {
      h.kill();
      throw new HarnessError(`sendpkt.py could not start: ${(hello.errors ?? []).join("; ")}`);
    }
    return h;
  }

  request(msg: object, timeoutMs: number): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.waiting) return Promise.reject(new HarnessError("concurrent probes on one lab are not supported (await each probe)"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.kill();
        reject(new HarnessError(`sendpkt.py did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.child.stdin.write(JSON.stringify(msg) + "\n");
    });
  }

  get alive(): boolean {
    return !this.dead && this.child.exitCode === null;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

// ------------------------------------------------------------------------------------------ lab

let labSeq = 0;

interface PyRecord {
  family?: number;
  len?: number;
  src?: string;
  dst?: string;
  proto?: number;
  sport?: number;
  dport?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpError?: boolean;
  ttl?: number;
  ipId?: number;
  flowLabel?: number;
  inner?: PyRecord;
  probe: number;
  where?: string;
}
interface PyTrace {
  nfproto: number;
  table?: string;
  chain?: string;
  handle?: number;
  type?: "rule" | "policy" | "return" | "unspec";
  verdict?: number;
  target?: string;
  id?: number;
  iif?: string;
  oif?: string;
  mark?: number;
  policy?: number;
  pkt?: PyRecord;
  probe: number;
}
interface PyResult {
  sent: number;
  captured: PyRecord[];
  trace: PyTrace[];
  errors: string[];
  fatal?: boolean;
  sendMs?: number;
  collectMs?: number;
}

/** Create a lab (three namespaces). Call lab.destroy() in afterAll; an exit hook also cleans up. */
export function createLab(opts: LabOptions = {}): Lab {
  const avail = kernelAvailable();
  if (!avail.ok) throw new HarnessError(`kernel harness unavailable: ${avail.reason}`);
  installExitHooks();
  cleanupStaleNamespaces();
  return new Lab(opts);
}

export class Lab {
  readonly topo: Topology;
  private readonly opts: Required<Pick<LabOptions, "trace">> & LabOptions;
  private destroyed = false;
  private created: string[] = [];
  private backend: Record<Family, "nft" | "legacy"> = { 4: "nft", 6: "nft" };
  private tables: Record<Family, Set<string>> = { 4: new Set(), 6: new Set() };
  private lineMaps: Record<Family, Map<string, number> | undefined> = { 4: undefined, 6: undefined };
  /** "family/table/chain/handle" -> index */
  private handleIndex = new Map<string, number>();
  private traceReady = false;
  private helper: PyHelper | undefined;

  constructor(opts: LabOptions) {
    this.opts = { trace: true, ...opts };
    const id = `${process.pid}-${++labSeq}${randomBytes(2).toString("hex")}`;
    const names = { ext: `${NS_PREFIX}${id}-ext`, node: `${NS_PREFIX}${id}-node`, pod: `${NS_PREFIX}${id}-pod` };
    const n = Math.max(1, Math.min(opts.podIPCount ?? 4, 200));
    this.topo = {
      names,
      nodeExtIf: opts.nodeExtIf ?? "eth0",
      nodePodIf: opts.nodePodIf ?? "cni0",
      extIf: "ext0",
      podIf: "eth0",
      nodeIP4: "192.0.2.10",
      nodeIP6: "2001:db8:0:1::10",
      extIP4: "192.0.2.1",
      extIP6: "2001:db8:0:1::1",
      nodePodGw4: "10.244.0.1",
      nodePodGw6: "fd00:10:244::1",
      podIPs4: Array.from({ length: n }, (_, i) => `10.244.0.${i + 2}`),
      podIPs6: Array.from({ length: n }, (_, i) => `fd00:10:244::${(i + 2).toString(16)}`),
      podCidr4: "10.244.0.0/16",
      podCidr6: "fd00:10:244::/48",
      externalClient4: "203.0.113.7",
      externalClient6: "2001:db8:ffff::7",
      macs: { nodeExt: "02:69:70:00:00:10", ext: "02:69:70:00:00:01", nodePod: "02:69:70:00:01:01", pod: "02:69:70:00:01:02" },
      ipv6: opts.ipv6 !== false,
    };
    for (const nm of [this.topo.nodeExtIf, this.topo.nodePodIf]) {
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(nm) || nm === "lo") throw new HarnessError(`bad interface name ${JSON.stringify(nm)}`);
    }
    if (this.topo.nodeExtIf === this.topo.nodePodIf) throw new HarnessError("nodeExtIf and nodePodIf must differ");
    liveLabs.add(this);
    try {
      this.setup();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  get names(): Record<Role, string> {
    return this.topo.names;
  }

  private setup(): void {
    const t = this.topo;
    const { ext, node, pod } = t.names;
    const v6 = t.ipv6;
    const common = [
      "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
      "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.default.send_redirects=0",
      "net.ipv4.conf.all.accept_redirects=0", "net.ipv4.conf.default.accept_redirects=0",
      "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.conf.all.router_solicitations=0", "net.ipv6.conf.default.router_solicitations=0",
      "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0",
      "net.ipv6.conf.all.accept_redirects=0", "net.ipv6.conf.default.accept_redirects=0",
      "net.ipv6.conf.default.addr_gen_mode=1",
      "net.ipv6.conf.all.mldv1_unsolicited_report_interval=1", "net.ipv6.conf.default.mldv1_unsolicited_report_interval=1",
      "net.ipv6.conf.all.mldv2_unsolicited_report_interval=1", "net.ipv6.conf.default.mldv2_unsolicited_report_interval=1",
      `net.ipv6.conf.all.disable_ipv6=${v6 ? 0 : 1}`, `net.ipv6.conf.default.disable_ipv6=${v6 ? 0 : 1}`,
      "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0", "net.ipv4.icmp_msgs_burst=10000", "net.ipv4.icmp_msgs_per_sec=100000",
      "net.ipv6.auto_flowlabels=0",
    ];
    const nodeSys = [
      "net.ipv4.ip_forward=1",
      ...(v6 ? ["net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1"] : []),
      ...(this.opts.routeLocalnet !== false ? ["net.ipv4.conf.all.route_localnet=1", "net.ipv4.conf.default.route_localnet=1"] : []),
      ...Object.entries(this.opts.nodeSysctls ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    // sysctl keys that may not exist on a kernel are tolerated (-e).
    const sysctl = (ns: string, keys: string[]) => `ip netns exec ${ns} sysctl -q -e -w ${keys.map((k) => `'${k}'`).join(" ")} >/dev/null`;
    const silence = (ns: string, ifn: string) =>
      `ip netns exec ${ns} nft -f - <<'EOF'\ntable inet iptl_silence {\n  chain pre { type filter hook prerouting priority -500; policy accept; iifname "${ifn}" drop; }\n}\nEOF`;
    const s: string[] = ["set -e"];
    for (const ns of [ext, node, pod]) {
      s.push(`ip netns add ${ns}`);
      this.created.push(ns);
    }
    // record creation before the script runs so destroy() always removes them
    for (const ns of [ext, node, pod]) s.push(sysctl(ns, common));
    s.push(sysctl(node, nodeSys));
    s.push(`ip link add ${t.nodeExtIf} netns ${node} address ${t.macs.nodeExt} type veth peer name ${t.extIf} netns ${ext} address ${t.macs.ext}`);
    s.push(`ip link add ${t.nodePodIf} netns ${node} address ${t.macs.nodePod} type veth peer name ${t.podIf} netns ${pod} address ${t.macs.pod}`);
    // ext
    s.push(`ip -n ${ext} addr add ${t.extIP4}/24 dev ${t.extIf}`);
    if (v6) s.push(`ip -n ${ext} addr add ${t.extIP6}/64 dev ${t.extIf} nodad`);
    // node
    s.push(`ip -n ${node} addr add ${t.nodeIP4}/24 dev ${t.nodeExtIf}`);
    s.push(`ip -n ${node} addr add ${t.nodePodGw4}/32 dev ${t.nodePodIf}`);
    if (v6) {
      s.push(`ip -n ${node} addr add ${t.nodeIP6}/64 dev ${t.nodeExtIf} nodad`);
      s.push(`ip -n ${node} addr add ${t.nodePodGw6}/128 dev ${t.nodePodIf} nodad`);
    }
    // pod
    for (const a of t.podIPs4) s.push(`ip -n ${pod} addr add ${a}/32 dev ${t.podIf}`);
    if (v6) for (const a of t.podIPs6) s.push(`ip -n ${pod} addr add ${a}/128 dev ${t.podIf} nodad`);
    for (const [ns, ifs] of [[ext, [t.extIf]], [node, [t.nodeExtIf, t.nodePodIf]], [pod, [t.podIf]]] as const) {
      s.push(`ip -n ${ns} link set lo up`);
      for (const i of ifs) s.push(`ip -n ${ns} link set ${i} up`);
    }
    // permanent neighbours: no ARP / NDP ever happens during a probe
    s.push(`ip -n ${ext} neigh replace ${t.nodeIP4} lladdr ${t.macs.nodeExt} dev ${t.extIf} nud permanent`);
    s.push(`ip -n ${node} neigh replace ${t.extIP4} lladdr ${t.macs.ext} dev ${t.nodeExtIf} nud permanent`);
    s.push(`ip -n ${node} neigh replace ${t.podIPs4[0]} lladdr ${t.macs.pod} dev ${t.nodePodIf} nud permanent`);
    s.push(`ip -n ${pod} neigh replace ${t.nodePodGw4} lladdr ${t.macs.nodePod} dev ${t.podIf} nud permanent`);
    s.push(`ip -n ${ext} route add default via ${t.nodeIP4} dev ${t.extIf}`);
    s.push(`ip -n ${node} route add default via ${t.extIP4} dev ${t.nodeExtIf}`);
    s.push(`ip -n ${node} route add ${t.podCidr4} via ${t.podIPs4[0]} dev ${t.nodePodIf} onlink`);
    s.push(`ip -n ${pod} route add default via ${t.nodePodGw4} dev ${t.podIf} onlink`);
    if (v6) {
      s.push(`ip -n ${ext} neigh replace ${t.nodeIP6} lladdr ${t.macs.nodeExt} dev ${t.extIf} nud permanent`);
      s.push(`ip -n ${node} neigh replace ${t.extIP6} lladdr ${t.macs.ext} dev ${t.nodeExtIf} nud permanent`);
      s.push(`ip -n ${node} neigh replace ${t.podIPs6[0]} lladdr ${t.macs.pod} dev ${t.nodePodIf} nud permanent`);
      s.push(`ip -n ${pod} neigh replace ${t.nodePodGw6} lladdr ${t.macs.nodePod} dev ${t.podIf} nud permanent`);
      s.push(`ip -n ${ext} -6 route add default via ${t.nodeIP6} dev ${t.extIf}`);
      s.push(`ip -n ${node} -6 route add default via ${t.extIP6} dev ${t.nodeExtIf}`);
      s.push(`ip -n ${node} -6 route add ${t.podCidr6} via ${t.podIPs6[0]} dev ${t.nodePodIf} onlink`);
      s.push(`ip -n ${pod} -6 route add default via ${t.nodePodGw6} dev ${t.podIf} onlink`);
    }
    s.push(silence(ext, t.extIf));
    s.push(silence(pod, t.podIf));
    const r = run("bash", ["-c", s.join("\n")], { timeoutMs: 30_000 });
    must("lab setup", r);
    if (this.opts.trace && capabilities().nft) {
      // A separate nf_tables table (invisible to iptables-save, does not touch the dump's tables or
      // counters) sets the nftrace bit on every packet entering the node's IP stack.
      const fams = v6 ? ["ip", "ip6"] : ["ip"];
      const tr = fams
        .map((f) => `table ${f} iptl_trace {\n chain pre { type filter hook prerouting priority -400; meta nftrace set 1; }\n chain out { type filter hook output priority -400; meta nftrace set 1; }\n}`)
        .join("\n");
      const r2 = nsSh(node, "nft -f -", { input: tr, timeoutMs: 10_000 });
      this.traceReady = r2.status === 0;
    }
    // let IPv6 MLD reports triggered by address configuration drain before any dump is loaded
    if (v6) spawnSync("sleep", ["0.05"]);
  }

  /** Run a shell script in one of the lab's namespaces. */
  exec(role: Role, script: string, opts: { input?: string; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
    this.assertAlive();
    if (role === "node") this.handleIndex.clear(); // rules may have changed
    return nsSh(this.topo.names[role], script, opts);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new HarnessError("lab already destroyed");
  }

  private tool(family: Family, what: "restore" | "save" | "cmd"): string {
    const base = family === 6 ? "ip6tables" : "iptables";
    const leg = this.backend[family] === "legacy" ? "-legacy" : "";
    return what === "cmd" ? `${base}${leg}` : `${base}${leg}-${what}`;
  }

  /** Load a dump with iptables-restore (or ip6tables-restore / the legacy variants) in the node namespace. */
  load(dump: string, o: { family?: Family; legacy?: boolean; ipsets?: IpsetSpec[] } = {}): LoadResult {
    this.assertAlive();
    const family = o.family ?? 4;
    if (family === 6 && !this.topo.ipv6) return { ok: false, stderr: "lab was created with ipv6: false" };
    this.backend[family] = o.legacy ? "legacy" : "nft";
    const missing = this.prepareObjects(dump, family, o.ipsets ?? []);
    const r = this.exec("node", `${this.tool(family, "restore")} -w 5`, { input: dump, timeoutMs: 20_000 });
    const res: LoadResult = { ok: r.status === 0, stderr: r.stderr };
    if (missing.length) {
      res.missing = missing;
      res.stderr += `\n[iptlens harness] objects the dump references could not be created:\n  ${missing.join("\n  ")}`;
    }
    for (const m of dump.matchAll(/^\*(\S+)/gm)) this.tables[family].add(m[1]!);
    this.lineMaps[family] = dumpLineMap(dump);
    this.handleIndex.clear();
    return res;
  }

  /**
   * Create the ipsets / nfacct objects a dump references (over nfnetlink, by sendpkt.py: the
   * ipset(8) and nfacct(8) tools are not needed).  Sets named in `ipsets` get that type and exactly
   * those entries; other referenced sets are created empty, typed by the number of dimensions in
   * the rule (1: hash:net, 2: hash:ip,port, 3: hash:ip,port,ip).  Returns what could not be created.
   */
  private prepareObjects(dump: string, family: Family, specs: IpsetSpec[]): string[] {
    const dims = new Map<string, number>();
    for (const m of dump.matchAll(/--(?:match-set|add-set|del-set|map-set)\s+(\S+)\s+(\S+)/g)) {
      dims.set(m[1]!, Math.max(dims.get(m[1]!) ?? 0, m[2]!.split(",").length));
    }
    const accts = [...new Set([...dump.matchAll(/--nfacct-name\s+(\S+)/g)].map((m) => m[1]!))];
    const types = ["hash:net", "hash:ip,port", "hash:ip,port,ip"];
    const sets: IpsetSpec[] = specs.map((x) => ({ family, ...x }));
    for (const [name, d] of dims) if (!specs.some((x) => x.name === name)) sets.push({ name, type: types[Math.min(d, 3) - 1]!, family });
    if (!sets.length && !accts.length) return [];
    const r = run(pythonExe(), ["-I", "-S", SENDPKT, "--objects"], {
      input: JSON.stringify({ ns: this.topo.names.node, ipsets: sets, nfacct: accts }),
      timeoutMs: 20_000,
    });
    if (r.status !== 0) return [`creating ipsets/nfacct objects failed: ${r.stderr.trim()}`];
    try {
      return (JSON.parse(r.stdout) as { errors: string[] }).errors;
    } catch {
      return [`creating ipsets/nfacct objects: bad helper output ${r.stdout.slice(0, 200)}`];
    }
  }

  /** iptables-save (-c when counters) from the node namespace. */
  save(o: { counters?: boolean; family?: Family } = {}): string {
    this.assertAlive();
    const family = o.family ?? 4;
    return must("iptables-save", this.exec("node", `${this.tool(family, "save")}${o.counters ? " -c" : ""}`));
  }

  /** Zero all rule and policy counters and flush conntrack in the node namespace. */
  reset(): void {
    this.assertAlive();
    must("reset counters/conntrack", this.exec("node", this.resetScript()));
  }

  private resetScript(): string {
    const cmds: string[] = [];
    for (const f of [4, 6] as const) {
      for (const t of this.tables[f]) cmds.push(`${this.tool(f, "cmd")} -w 5 -t ${t} -Z`);
    }
    cmds.push("conntrack -F >/dev/null 2>&1 || true", "conntrack -F -f ipv6 >/dev/null 2>&1 || true");
    return cmds.join(" && ");
  }

  /** Raw counters of the loaded tables (both families). */
  counters(): { rules: RuleCounter[]; policies: PolicyCounter[]; tables: SavedTable[] } {
    const r = this.exec("node", this.readScript(false));
    return this.parseRead(must("read counters", r)).counters;
  }

  private readScript(withCt: boolean): string {
    const parts: string[] = [];
    for (const f of [4, 6] as const) {
      if (this.tables[f].size) parts.push(`echo '@@SAVE${f}'`, `${this.tool(f, "save")} -c`);
    }
    if (withCt) parts.push("echo '@@CT'", "conntrack -L -o extended 2>/dev/null", "conntrack -L -f ipv6 -o extended 2>/dev/null", "true");
    return parts.join("; ") || "true";
  }

  private parseRead(text: string): { counters: { rules: RuleCounter[]; policies: PolicyCounter[]; tables: SavedTable[] }; conntrack: ConntrackEntry[] } {
    const sections = text.split(/^@@/m);
    const tables: SavedTable[] = [];
    let ct: ConntrackEntry[] = [];
    for (const sec of sections) {
      if (sec.startsWith("SAVE4") || sec.startsWith("SAVE6")) {
        const fam: Family = sec.startsWith("SAVE4") ? 4 : 6;
        for (const t of parseSave(sec, fam)) {
          const lm = this.lineMaps[fam];
          if (lm) for (const rl of t.rules) {
            const ln = lm.get(`${t.table}/${rl.chain}/${rl.index}`);
            if (ln !== undefined) rl.line = ln;
          }
          tables.push(t);
        }
      } else if (sec.startsWith("CT")) {
        // de-duplicate: `conntrack -L` may list both families already
        const seen = new Set<string>();
        ct = parseConntrack(sec).filter((e) => (seen.has(e.raw) ? false : (seen.add(e.raw), true)));
      }
    }
    return {
      counters: { rules: tables.flatMap((t) => t.rules), policies: tables.flatMap((t) => t.policies), tables },
      conntrack: ct,
    };
  }

  private ensureHandles(force = false): void {
    if (this.handleIndex.size && !force) return;
    this.handleIndex.clear();
    const r = nsSh(this.topo.names.node, "nft -j -a list ruleset", { timeoutMs: 30_000 });
    if (r.status !== 0) return;
    try {
      const j = JSON.parse(r.stdout) as { nftables: Array<{ rule?: { family: string; table: string; chain: string; handle: number } }> };
      const pos = new Map<string, number>();
      for (const o of j.nftables) {
        if (!o.rule) continue;
        const fam = o.rule.family === "ip6" ? 6 : o.rule.family === "ip" ? 4 : 0;
        if (!fam) continue;
        const ck = `${fam}/${o.rule.table}/${o.rule.chain}`;
        const n = (pos.get(ck) ?? 0) + 1;
        pos.set(ck, n);
        this.handleIndex.set(`${ck}/${o.rule.handle}`, n);
      }
    } catch {
      /* leave empty: trace steps will lack indexes */
    }
  }

  private resolve(p: Packet, i = 0, sportBase?: number): SentPacket {
    const family: Family = p.family ?? (p.dst.includes(":") ? 6 : 4);
    if (family === 6 && !this.topo.ipv6) throw new HarnessError("IPv6 probe in a lab created with ipv6: false");
    let proto: number;
    if (typeof p.proto === "number") proto = p.proto;
    else {
      proto = PROTO_NUM[p.proto];
      if (proto === undefined) throw new HarnessError(`unknown protocol ${p.proto}`);
    }
    if (family === 6 && proto === 1) proto = 58;
    if (family === 4 && proto === 58) proto = 1;
    const t = this.topo;
    const src =
      p.src ??
      (p.from === "external" ? (family === 4 ? t.externalClient4 : t.externalClient6)
        : p.from === "pod" ? (family === 4 ? t.podIPs4[0]! : t.podIPs6[0]!)
        : family === 4 ? t.nodeIP4 : t.nodeIP6);
    const hasPorts = proto === 6 || proto === 17 || proto === 132 || proto === 136;
    const sp: SentPacket = {
      from: p.from,
      family,
      src,
      dst: p.dst,
      proto,
      ttl: p.ttl ?? 64,
      seq: randomInt(1, 0xffffffff),
    };
    if (hasPorts) {
      sp.sport = sportBase !== undefined ? sportBase + i : (p.sport ?? randomInt(30000, 61000));
      sp.dport = p.dport ?? 0;
      if (p.dport === undefined) throw new HarnessError(`${p.proto} probe needs dport`);
    }
    if (proto === 6) sp.tcpFlags = parseTcpFlags(p.tcpFlags);
    if (proto === 1 || proto === 58) {
      sp.icmpType = p.icmpType ?? (proto === 1 ? 8 : 128);
      sp.icmpCode = p.icmpCode ?? 0;
      // echo identifier: what conntrack shows as id=; varied per packet for probeMany
      sp.sport = sportBase !== undefined ? (sportBase + i) & 0xffff : (p.sport ?? randomInt(1, 65535));
    }
    if (p.payload) sp.payload = p.payload;
    if (p.badChecksum) sp.badChecksum = true;
    return sp;
  }

  private pyJob(packets: SentPacket[], trace: boolean, from: From): object {
    const t = this.topo;
    const send =
      from === "external"
        ? { ns: t.names.ext, mode: "packet", ifname: t.extIf, srcMac: t.macs.ext, dstMac: t.macs.nodeExt }
        : from === "pod"
          ? { ns: t.names.pod, mode: "packet", ifname: t.podIf, srcMac: t.macs.pod, dstMac: t.macs.nodePod }
          : { ns: t.names.node, mode: "raw" };
    return { send: { ...send, packets }, trace, quietMs: 15, minMs: 5, maxMs: 3000 };
  }

  private async helperFor(): Promise<PyHelper> {
    if (this.helper?.alive) return this.helper;
    const t = this.topo;
    this.helper = await PyHelper.start(
      {
        capture: [
          { ns: t.names.pod, ifname: t.podIf, where: "pod" },
          { ns: t.names.ext, ifname: t.extIf, where: "external" },
        ],
        trace: this.traceReady ? { ns: t.names.node } : null,
        sentinel: { ns: t.names.ext, ifname: t.extIf, srcMac: t.macs.ext, dstMac: t.macs.nodeExt, srcIP: t.extIP4, dstIP: t.nodeIP4 },
      },
      15_000,
    );
    return this.helper;
  }

  private async runPy(job: object): Promise<PyResult> {
    const h = await this.helperFor();
    const res = (await h.request(job, 20_000)) as PyResult;
    if (res.fatal) throw new HarnessError(`sendpkt.py: ${res.errors.join("; ")}`);
    return res;
  }

  private async resetAsync(): Promise<void> {
    must("reset counters/conntrack", await nsShAsync(this.topo.names.node, this.resetScript()));
  }

  private async readAsync(): Promise<ReturnType<Lab["parseRead"]>> {
    return this.parseRead(must("read counters", await nsShAsync(this.topo.names.node, this.readScript(true))));
  }

  /**
   * Send ONE packet and report what the kernel did with it.
   *
   * Counters are zeroed and conntrack flushed first, so `matched`/`policies` are exactly what this
   * probe (and whatever the node sent in answer to it) did.  Separation of probe vs reply:
   * see README-style notes at the top of this file and ProbeResult.separation.
   */
  async probe(p: Packet): Promise<ProbeResult> {
    this.assertAlive();
    const t0 = performance.now();
    const sent = this.resolve(p);
    if (sent.family === 4) sent.ipId = randomInt(1, 0x10000);
    else sent.flowLabel = randomInt(1, 0x100000);
    const useTrace = this.traceReady && this.backend[sent.family] === "nft";
    if (useTrace) this.ensureHandles();
    await this.helperFor();
    await this.resetAsync();
    const t1 = performance.now();
    const py = await this.runPy(this.pyJob([sent], useTrace, sent.from));
    const t2 = performance.now();
    const read = await this.readAsync();
    const t3 = performance.now();

    const isReplyRec = (d: PyRecord): boolean =>
      d.dst === sent.src && (d.src === sent.dst || d.icmpError === true || d.proto === sent.proto || d.inner?.src === sent.src);
    const kindOf = (d: PyRecord | undefined): PacketKind => (d && d.probe >= 0 ? "probe" : d && isReplyRec(d) ? "reply" : "other");

    const delivered: Delivered[] = py.captured.map((d) => ({ ...toWire(d), to: d.where === "pod" ? "pod" : "external", kind: kindOf(d) }));
    const matched = read.counters.rules.filter((r) => r.packets > 0);
    const policies = read.counters.policies;
    const errors = [...py.errors];

    let trace: TraceStep[] | undefined;
    let probeMatched: RuleCounter[];
    let replyMatched: RuleCounter[];
    let probePolicies: PolicyCounter[];
    let replyPolicies: PolicyCounter[];
    let separation: "trace" | "heuristic";
    let outcome: ProbeResult["outcome"] = "unknown";

    const ruleByKey = new Map(read.counters.rules.map((r) => [`${r.family}/${r.table}/${r.chain}/${r.index}`, r]));
    if (useTrace) {
      separation = "trace";
      const unknown = py.trace.some((r) => r.type === "rule" && r.handle !== undefined && r.table !== undefined && r.chain !== undefined &&
        !this.handleIndex.has(`${r.nfproto === 10 ? 6 : 4}/${r.table}/${r.chain}/${r.handle}`));
      if (unknown) this.ensureHandles(true);
      trace = this.buildTrace(py.trace, sent, kindOf, ruleByKey);
      const tally = (kind: PacketKind) => {
        const rules = new Map<string, RuleCounter>();
        const pols = new Map<string, PolicyCounter>();
        for (const s of trace!) {
          if (s.kind !== kind) continue;
          if (s.type === "rule" && s.index !== undefined) {
            const k = `${s.family}/${s.table}/${s.chain}/${s.index}`;
            const base = ruleByKey.get(k);
            const cur = rules.get(k) ?? { family: s.family, table: s.table, chain: s.chain, index: s.index, packets: 0, bytes: 0, ruleText: base?.ruleText ?? "", ...(base?.line !== undefined ? { line: base.line } : {}) };
            cur.packets++;
            cur.bytes += s.len ?? 0;
            rules.set(k, cur);
          } else if (s.type === "policy") {
            const k = `${s.family}/${s.table}/${s.chain}`;
            const base = policies.find((x) => `${x.family}/${x.table}/${x.chain}` === k);
            const cur = pols.get(k) ?? { family: s.family, table: s.table, chain: s.chain, policy: base?.policy ?? s.verdict?.toUpperCase() ?? "", packets: 0, bytes: 0 };
            cur.packets++;
            cur.bytes += s.len ?? 0;
            pols.set(k, cur);
          }
        }
        return { rules: sortRules([...rules.values()]), pols: [...pols.values()] };
      };
      const pr = tally("probe");
      const rr = tally("reply");
      probeMatched = pr.rules;
      replyMatched = rr.rules;
      probePolicies = pr.pols;
      replyPolicies = rr.pols;
      // consistency check: the trace must account for every counted packet of the dump's rules
      const traced = new Map<string, number>();
      for (const s of trace) if (s.type === "rule" && s.index !== undefined) {
        const k = `${s.family}/${s.table}/${s.chain}/${s.index}`;
        traced.set(k, (traced.get(k) ?? 0) + 1);
      }
      for (const m of matched) {
        const k = `${m.family}/${m.table}/${m.chain}/${m.index}`;
        if ((traced.get(k) ?? 0) !== m.packets) errors.push(`trace/counter mismatch at ${k}: trace ${traced.get(k) ?? 0}, counter ${m.packets}`);
      }
      const probeSteps = trace.filter((s) => s.kind === "probe");
      const lastTerminal = [...probeSteps].reverse().find((s) => s.verdict === "drop" || s.verdict === "accept" || s.type === "policy");
      if (delivered.some((d) => d.kind === "probe")) outcome = "forwarded";
      else if (probeSteps.some((s) => s.verdict === "drop")) outcome = "dropped";
      else if (lastTerminal && lastTerminal.hook === "input") outcome = "local";
    } else {
      separation = "heuristic";
      const sep = this.heuristicSplit(read.counters.tables, sent, delivered);
      probeMatched = sep.probe;
      replyMatched = sep.reply;
      probePolicies = policies.filter((x) => x.packets > 0 && !sep.replyChains.has(`${x.family}/${x.table}/${x.chain}`));
      replyPolicies = policies.filter((x) => x.packets > 0 && sep.replyChains.has(`${x.family}/${x.table}/${x.chain}`));
      if (delivered.some((d) => d.kind === "probe")) outcome = "forwarded";
    }
    const t4 = performance.now();
    return {
      sent,
      matched,
      policies,
      conntrack: read.conntrack,
      delivered,
      ...(trace ? { trace } : {}),
      probeMatched,
      replyMatched,
      probePolicies,
      replyPolicies,
      separation,
      outcome,
      errors,
      timings: { resetMs: round(t1 - t0), sendMs: round(t2 - t1), readMs: round(t3 - t2), totalMs: round(t4 - t0) },
    };
  }

  private buildTrace(
    raw: PyTrace[],
    sent: SentPacket,
    kindOf: (d: PyRecord | undefined) => PacketKind,
    ruleByKey: Map<string, RuleCounter>,
  ): TraceStep[] {
    const hookOfId = new Map<string, string>();
    const lenById = new Map<number, number>();
    const out: TraceStep[] = [];
    const kindById = new Map<number, PacketKind>();
    for (const r of raw) {
      const family: Family = r.nfproto === 10 ? 6 : 4;
      if (!r.table || !r.chain) continue;
      const key = `${r.id}`;
      // The kernel dumps the packet headers only with the first event of each base-chain
      // evaluation; later events of the same trace id inherit its classification.
      let kind: PacketKind;
      if (r.pkt && r.pkt.family) {
        lenById.set(r.id ?? 0, r.pkt.len ?? 0);
        kind = r.probe >= 0 ? "probe" : kindOf(r.pkt) === "reply" ? "reply" : "other";
        kindById.set(r.id ?? 0, kind);
      } else kind = kindById.get(r.id ?? 0) ?? "other";
      let hook: string | undefined = HOOK_OF_CHAIN[r.chain];
      if (hook && this.isBaseChainStep(r)) hookOfId.set(key, hook);
      else hook = hookOfId.get(key);
      const step: TraceStep = {
        family,
        table: r.table,
        chain: r.chain,
        type: r.type ?? "unspec",
        kind,
        traceId: r.id ?? 0,
      };
      if (hook) step.hook = hook;
      if (r.type === "policy") step.verdict = VERDICTS[r.policy ?? -99] ?? String(r.policy);
      else if (r.verdict !== undefined) step.verdict = VERDICTS[r.verdict] ?? String(r.verdict);
      if (r.target) step.target = r.target;
      // A "rule" event without a rule handle only carries the packet (emitted when a base chain is
      // entered and no rule matched before its policy); it is not a rule hit.
      if (r.type === "rule" && r.handle === undefined) continue;
      if (r.handle !== undefined && r.type === "rule") {
        const idx = this.handleIndex.get(`${family}/${r.table}/${r.chain}/${r.handle}`);
        if (idx !== undefined) {
          step.index = idx;
          const rc = ruleByKey.get(`${family}/${r.table}/${r.chain}/${idx}`);
          if (rc) step.ruleText = rc.ruleText;
        }
      }
      if (r.iif) step.iif = r.iif;
      if (r.oif) step.oif = r.oif;
      if (r.mark !== undefined) step.mark = r.mark;
      step.len = lenById.get(r.id ?? 0) ?? 0;
      if (r.pkt && r.pkt.family) step.pkt = toWire(r.pkt);
      out.push(step);
    }
    void sent;
    return out;
  }

  private isBaseChainStep(r: PyTrace): boolean {
    // iptables-nft user chains can't be named like built-ins, so a built-in name means a base chain.
    return BUILTIN.has(r.chain ?? "");
  }

  /** Counter-only separation (legacy backend or trace disabled). */
  private heuristicSplit(tables: SavedTable[], sent: SentPacket, delivered: Delivered[]): { probe: RuleCounter[]; reply: RuleCounter[]; replyChains: Set<string> } {
    // hooks from which each chain is reachable
    const reach = new Map<string, Set<string>>();
    for (const t of tables) {
      const visit = (chain: string, hook: string, seen: Set<string>) => {
        const k = `${t.family}/${t.table}/${chain}`;
        if (seen.has(k)) return;
        seen.add(k);
        if (!reach.has(k)) reach.set(k, new Set());
        reach.get(k)!.add(hook);
        for (const nx of t.jumps.get(chain) ?? []) visit(nx, hook, seen);
      };
      for (const b of BUILTIN) visit(b, b, new Set());
    }
    const probeLeft = delivered.some((d) => d.kind === "probe");
    const replySeen = delivered.some((d) => d.kind === "reply");
    // A probe from outside never traverses OUTPUT; POSTROUTING is the probe's only if it left the node.
    const replyHooks = new Set<string>();
    if (sent.from !== "host") {
      replyHooks.add("OUTPUT");
      if (!probeLeft && replySeen) replyHooks.add("POSTROUTING");
    }
    const replyChains = new Set<string>();
    for (const [k, hooks] of reach) if (hooks.size && [...hooks].every((h) => replyHooks.has(h))) replyChains.add(k);
    const probe: RuleCounter[] = [];
    const reply: RuleCounter[] = [];
    for (const t of tables) for (const r of t.rules) {
      if (r.packets <= 0) continue;
      (replyChains.has(`${r.family}/${r.table}/${r.chain}`) ? reply : probe).push(r);
    }
    return { probe, reply, replyChains };
  }

  /**
   * Send n packets (same 5-tuple except the source port / ICMP id, so n new connections) from one
   * python process, then read conntrack once and tally the DNAT destinations (reply source).
   */
  async probeMany(p: Packet, n: number, o: { sportBase?: number } = {}): Promise<ProbeManyResult> {
    this.assertAlive();
    if (!(n >= 1 && n <= 20000)) throw new HarnessError(`probeMany: n must be in 1..20000 (got ${n})`);
    const t0 = performance.now();
    const base = o.sportBase ?? randomInt(10000, 65535 - n);
    const idBase = randomInt(1, 0xffff - n);
    const packets = Array.from({ length: n }, (_, i) => {
      const sp = this.resolve(p, i, base);
      if (sp.family === 4) sp.ipId = idBase + i;
      else sp.flowLabel = idBase + i;
      return sp;
    });
    await this.helperFor();
    await this.resetAsync();
    const py = await this.runPy({ ...this.pyJob(packets, false, packets[0]!.from), maxRecords: 4 * n + 100 });
    const read = await this.readAsync();
    const sentSrc = packets[0]!.src;
    const destinations: Record<string, number> = {};
    for (const e of read.conntrack) {
      if (e.origSrc !== sentSrc || e.origDst !== p.dst) continue;
      const k = e.replySport !== undefined && packets[0]!.sport !== undefined && (packets[0]!.proto !== 1 && packets[0]!.proto !== 58)
        ? `${fmtHost(e.replySrc)}:${e.replySport}` : e.replySrc;
      destinations[k] = (destinations[k] ?? 0) + 1;
    }
    const deliveredTo: Record<string, number> = {};
    for (const d of py.captured) {
      if (d.probe < 0) continue;
      const k = `${d.where}:${d.dport !== undefined ? `${fmtHost(d.dst!)}:${d.dport}` : d.dst}`;
      deliveredTo[k] = (deliveredTo[k] ?? 0) + 1;
    }
    return {
      sent: py.sent,
      destinations,
      deliveredTo,
      conntrack: read.conntrack,
      matched: read.counters.rules.filter((r) => r.packets > 0),
      policies: read.counters.policies,
      errors: py.errors,
      timings: { totalMs: round(performance.now() - t0) },
    };
  }

  /** Delete the namespaces (idempotent; never throws). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    // the helper's sockets hold references to the namespaces: end it first
    this.helper?.kill();
    this.helper = undefined;
    const names = Object.values(this.topo.names);
    for (const ns of names) run("ip", ["netns", "del", ns], { timeoutMs: 10_000 });
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }
}

function fmtHost(a: string): string {
  return a.includes(":") ? `[${a}]` : a;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function sortRules(r: RuleCounter[]): RuleCounter[] {
  return r.sort((a, b) => a.family - b.family || a.table.localeCompare(b.table) || a.chain.localeCompare(b.chain) || a.index - b.index);
}

function toWire(d: PyRecord): WirePacket {
  const w: WirePacket = { family: (d.family ?? 4) as Family, src: d.src ?? "", dst: d.dst ?? "", proto: d.proto ?? 0 };
  for (const k of ["sport", "dport", "tcpFlags", "icmpType", "icmpCode", "ttl", "ipId", "flowLabel"] as const) {
    if (d[k] !== undefined) (w as unknown as Record<string, number>)[k] = d[k]!;
  }
  if (d.len !== undefined) w.len = d.len;
  if (d.inner && d.inner.family) {
    const { inner: _drop, ...rest } = toWire(d.inner);
    void _drop;
    w.inner = rest;
  }
  return w;
}

/** Known-answer checks of sendpkt.py's checksum code (CRC32c, Internet checksum). */
export function sendpktSelftest(): { crc32c_123456789: string; ipv4_header_sum: number; tcp_sum: number } {
  return JSON.parse(must("sendpkt.py --selftest", run(pythonExe(), ["-I", "-S", SENDPKT, "--selftest"]))) as {
    crc32c_123456789: string;
    ipv4_header_sum: number;
    tcp_sum: number;
  };
}
