/**
 * The node around the packet: its addresses, its routes, and the answers matches get from it
 * (`addrtype`, the address MASQUERADE picks). Routing here is the main table only: longest prefix wins,
 * no policy routing by mark (kube-proxy's marks do not steer routing).
 */
import { ALL_HOSTS, LOOPBACK_HOST, isLoopback, isMulticast } from "../net/special.js";
import { allOnes, bits, formatAddr, parseAddr, parseNet, prefixMask, type Family, type IpAddr } from "../net/addr.js";
import type { Hook, TableName } from "../model/ast.js";
import type { AddrType, EvalEnv } from "../extensions/types.js";
import type { LocalAddress, NodeContext, Route } from "./types.js";
import type { Packet } from "../net/packet.js";
import { HOOK_INDEX } from "./compile.js";

export interface NodeContextInput {
  readonly localAddresses?: readonly LocalAddress[];
  readonly routes?: readonly Route[];
  readonly externalIface?: string;
  readonly podIface?: string;
}

/**
 * A node context with the defaults: external interface `eth0`, pod interface `cni0`, default routes
 * `0.0.0.0/0` and `::/0` via the external interface (added after the given routes; a given default
 * route replaces them).
 */
export function makeNodeContext(input: NodeContextInput = {}): NodeContext {
  const externalIface = input.externalIface ?? "eth0";
  const routes = [...(input.routes ?? [])];
  for (const family of [4, 6] as const)
    if (!routes.some((r) => r.family === family && r.prefixLen === 0)) routes.push({ family, addr: 0n, prefixLen: 0, iface: externalIface });
  return {
    localAddresses: [...(input.localAddresses ?? [])],
    routes,
    externalIface,
    podIface: input.podIface ?? "cni0",
  };
}

/** `CIDR=IFACE` (as `--route` takes it); returns an error message for bad text. */
export function parseRoute(text: string): Route | string {
  const eq = text.lastIndexOf("=");
  if (eq <= 0 || eq === text.length - 1) return `'${text}' is not CIDR=IFACE (e.g. 10.244.1.0/24=cni0)`;
  const n = parseNet(text.slice(0, eq));
  if (!n.ok) return n.error;
  if (n.net.prefixLen === null) return `'${text.slice(0, eq)}' has a non-contiguous mask; routes need a prefix length`;
  return { family: n.net.family, addr: n.net.addr, prefixLen: n.net.prefixLen, iface: text.slice(eq + 1) };
}

/** `IP[/LEN][=IFACE]` (as `--node-ip` takes it); with LEN the subnet's broadcast address is known. */
export function parseLocalAddress(text: string): LocalAddress | string {
  const eq = text.indexOf("=");
  const addrText = eq < 0 ? text : text.slice(0, eq);
  const slash = addrText.indexOf("/");
  const a = parseAddr(slash < 0 ? addrText : addrText.slice(0, slash));
  if (!a) return `'${slash < 0 ? addrText : addrText.slice(0, slash)}' is not an IP address`;
  let prefixLen: number | undefined;
  if (slash >= 0) {
    const t = addrText.slice(slash + 1);
    prefixLen = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(prefixLen >= 0 && prefixLen <= bits(a.family))) return `'${addrText}': '${t}' is not a prefix length for IPv${a.family}`;
  }
  const iface = eq < 0 ? undefined : text.slice(eq + 1);
  if (iface === "") return `'${text}': empty interface name after '='`;
  return { addr: a, ...(iface !== undefined ? { iface } : {}), ...(prefixLen !== undefined ? { prefixLen } : {}) };
}

/** The directed broadcast addresses of the node's IPv4 subnets (prefixes shorter than /31). */
function directedBroadcasts(ctx: NodeContext): Set<bigint> {
  const out = new Set<bigint>();
  for (const l of ctx.localAddresses)
    if (l.addr.family === 4 && l.prefixLen !== undefined && l.prefixLen < 31) out.add(l.addr.value | (allOnes(4) ^ prefixMask(4, l.prefixLen)));
  return out;
}

/**
 * Membership in a node's few addresses: a scan of up to a dozen compares beats hashing a BigInt, which
 * V8 does afresh on every Set lookup (the engine asks for every path).
 */
function has(set: ReadonlySet<bigint>, v: bigint): boolean {
  if (set.size > 12) return set.has(v);
  for (const x of set) if (x === v) return true;
  return false;
}

const ALL_HOSTS4 = ALL_HOSTS[4];
const ALL_NODES6 = ALL_HOSTS[6];

/** Whether the node owns the address: a node address, 127.0.0.0/8 or ::1. */
export function isLocalAddress(ctx: NodeContext, a: IpAddr): boolean {
  return isLoopback(a) || ctx.localAddresses.some((l) => l.addr.family === a.family && l.addr.value === a.value);
}

/** The output interface of the longest matching route, or undefined when nothing routes it. */
export function routeLookup(ctx: NodeContext, a: IpAddr): string | undefined {
  let best: Route | undefined;
  for (const r of ctx.routes) {
    if (r.family !== a.family) continue;
    if ((a.value & prefixMask(a.family, r.prefixLen)) !== r.addr) continue;
    if (!best || r.prefixLen > best.prefixLen) best = r;
  }
  return best?.iface;
}


function isBroadcast4(a: IpAddr): boolean {
  // inet_addr_type: 0.0.0.0 and 255.255.255.255 are RTN_BROADCAST.
  return a.family === 4 && (a.value === 0n || a.value === 0xffffffffn);
}

/**
 * `addrtype`'s view of an address. With `iface` (`--limit-iface-in/out`), a node address bound to a
 * different interface is not LOCAL there; addresses without a known interface are local everywhere.
 * Deviation: no BLACKHOLE/UNREACHABLE/PROHIBIT routes are modelled; an address with no route is
 * UNREACHABLE.
 */
export function addrTypes(ctx: NodeContext, a: IpAddr, iface?: string): ReadonlySet<AddrType> {
  const out = new Set<AddrType>();
  if (a.family === 6 && a.value === 0n) {
    out.add("UNSPEC");
    return out;
  }
  const local =
    isLoopback(a) ||
    ctx.localAddresses.some((l) => l.addr.family === a.family && l.addr.value === a.value && (iface === undefined || l.iface === undefined || l.iface === iface));
  if (local) out.add("LOCAL");
  else if (isBroadcast4(a) || (a.family === 4 && directedBroadcasts(ctx).has(a.value))) out.add("BROADCAST");
  else if (isMulticast(a)) out.add("MULTICAST");
  else if (routeLookup(ctx, a) !== undefined) out.add("UNICAST");
  else out.add("UNREACHABLE");
  return out;
}

/**
 * The source address MASQUERADE would pick on `iface`: a node address configured there, else the first
 * node address of the family (the kernel picks the interface's primary address; we only know what
 * `--node-ip` said), else 127.0.0.1/::1 for `lo`.
 */
export function primaryAddress(ctx: NodeContext, family: Family, iface: string | undefined): IpAddr | undefined {
  const same = ctx.localAddresses.filter((l) => l.addr.family === family);
  const onIface = iface === undefined ? undefined : same.find((l) => l.iface === iface);
  if (onIface) return onIface.addr;
  if (iface === "lo") return { family, value: LOOPBACK_HOST[family] };
  return same.find((l) => l.iface === undefined)?.addr ?? same[0]?.addr;
}

const TABLE_INDEX: Readonly<Record<TableName, number>> = { raw: 0, mangle: 1, nat: 2, filter: 3, security: 4 };

/**
 * The node context prepared for many lookups (made once per compiled engine): local addresses in sets,
 * routes with their masks, longest prefix first, and answers remembered per address; one EvalEnv per
 * (table, hook).
 */
export class NodeFacts {
  private readonly local = new Set<bigint>();
  private readonly local6 = new Set<bigint>();
  private readonly routes: readonly (Route & { readonly mask: bigint })[];
  private readonly routeCache = new Map<bigint, string | undefined>();
  private readonly route6Cache = new Map<bigint, string | undefined>();
  private readonly envs: EvalEnv[] = [];
  // addrtype asks about the same few addresses again and again: remember answers per interface.
  private readonly typeCache = new Map<string, Map<bigint, ReadonlySet<AddrType>>>();
  private readonly types4 = new Map<bigint, ReadonlySet<AddrType>>();
  private readonly types6 = new Map<bigint, ReadonlySet<AddrType>>();

  private readonly broadcasts: Set<bigint>;

  constructor(readonly ctx: NodeContext) {
    for (const l of ctx.localAddresses) (l.addr.family === 4 ? this.local : this.local6).add(l.addr.value);
    this.broadcasts = directedBroadcasts(ctx);
    this.routes = ctx.routes.map((r) => ({ ...r, mask: prefixMask(r.family, r.prefixLen) })).sort((a, b) => b.prefixLen - a.prefixLen);
  }

  /** A node address, 127.0.0.0/8 or ::1. */
  isLocal(a: IpAddr): boolean {
    return isLoopback(a) || has(a.family === 4 ? this.local : this.local6, a.value);
  }

  /**
   * Where input routing delivers an arriving packet locally although its destination is not a node
   * address: the limited broadcast, a subnet's broadcast, a multicast group the node is in (only the
   * all-hosts groups 224.0.0.1 and ff02::1 are known to be joined).
   */
  deliversLocally(d: IpAddr): boolean {
    if (d.family === 4) return d.value === 0xffffffffn || d.value === ALL_HOSTS4 || has(this.broadcasts, d.value);
    return d.value === ALL_NODES6;
  }

  /**
   * Why input routing (ip_route_input_slow, ip6_route_input) drops an arriving packet before INPUT or
   * FORWARD, or undefined: martian sources and destinations, multicast groups not joined.
   */
  inputRefusal(p: Packet): string | undefined {
    const { src, dst } = p;
    if (p.inIface !== "lo" && this.isLocal(src))
      return `martian source: ${formatAddr(src)} is the node's own address, arriving on ${p.inIface ?? "an interface"} (accept_local is off)`;
    if (isMulticast(src) || (src.family === 4 && src.value === 0xffffffffn)) return `martian source: ${formatAddr(src)} is a multicast or broadcast address`;
    if (src.family === 4 && src.value < 0x1000000n && dst.value !== 0xffffffffn) return `martian source: ${formatAddr(src)} (0.0.0.0/8)`;
    if (dst.family === 4 && dst.value < 0x1000000n) return `martian destination: ${formatAddr(dst)} (0.0.0.0/8)`;
    if (isMulticast(dst) && !this.deliversLocally(dst))
      return `multicast group ${formatAddr(dst)} not joined by the node (assumed: only the all-hosts group is), and multicast is not forwarded`;
    return undefined;
  }

  /** The output interface of the longest matching route. */
  route(a: IpAddr): string | undefined {
    // The last answer first: the paths of one packet ask about the same few addresses in turn.
    if (a.value === this.lastRouted && a.family === this.lastRoutedFamily) return this.lastRoute;
    const cache = a.family === 4 ? this.routeCache : this.route6Cache;
    const known = cache.get(a.value);
    if (known !== undefined || cache.has(a.value)) return this.remember(a, known);
    let out: string | undefined;
    for (const r of this.routes)
      if (r.family === a.family && (a.value & r.mask) === r.addr) {
        out = r.iface;
        break;
      }
    if (cache.size > 65536) cache.clear();
    cache.set(a.value, out);
    return this.remember(a, out);
  }
  private lastRouted = -1n;
  private lastRoutedFamily = 0;
  private lastRoute: string | undefined;
  private remember(a: IpAddr, out: string | undefined): string | undefined {
    this.lastRouted = a.value;
    this.lastRoutedFamily = a.family;
    this.lastRoute = out;
    return out;
  }

  env(table: TableName, hook: Hook): EvalEnv {
    const k = TABLE_INDEX[table] * 5 + HOOK_INDEX[hook];
    return (this.envs[k] ??= {
      table,
      hook,
      addrTypes: (addr, iface) => this.addrTypes(addr, iface),
      primaryAddress: (family, iface) => primaryAddress(this.ctx, family, iface),
    });
  }

  private addrTypes(addr: IpAddr, iface?: string): ReadonlySet<AddrType> {
    let m = iface === undefined ? (addr.family === 4 ? this.types4 : this.types6) : this.typeCache.get(`${addr.family}${iface}`);
    if (!m) this.typeCache.set(`${addr.family}${iface}`, (m = new Map()));
    let t = m.get(addr.value);
    if (!t) {
      if (m.size > 4096) m.clear();
      t = addrTypes(this.ctx, addr, iface);
      m.set(addr.value, t);
    }
    return t;
  }
}

/** `0.0.0.0/0=eth0`-style text of a route. */
export function formatRoute(r: Route): string {
  return `${formatAddr({ family: r.family, value: r.addr })}/${r.prefixLen}=${r.iface}`;
}

