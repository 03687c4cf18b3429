/**
 * Generators for the diff's properties: small random rule sets over a small universe of addresses,
 * ports and interfaces (so that random packets hit rules often), random behaviour-changing edits, and
 * noise-only edits of kube-proxy dumps (bench/gen.ts).
 */
import fc from "fast-check";
import { parseRuleset } from "../../src/model/build.js";
import type { Ruleset } from "../../src/model/ast.js";
import { parseAddr } from "../../src/net/addr.js";
import type { PacketSpec, Origin } from "../../src/engine/index.js";

export const SRCS = ["10.0.0.1", "10.244.0.2", "10.244.1.5", "203.0.113.7", "192.0.2.10", "127.0.0.1", "198.51.100.9"];
export const DSTS = ["10.96.0.10", "10.96.0.11", "192.0.2.10", "10.244.1.5", "198.51.100.1", "127.0.0.1", "224.0.0.5"];
const SRC_NETS = ["10.0.0.0/8", "10.244.0.0/16", "203.0.113.0/24", "10.244.1.5/32", "0.0.0.0/1"];
const DST_NETS = ["10.96.0.0/12", "10.244.0.0/16", "10.96.0.10/32", "192.0.2.10/32", "198.51.100.0/24"];
export const PORTS = [53, 80, 443, 8080, 30080, 1500];
const IFACES = ["eth0", "cni0", "eth+", "docker0", "lo"];

const neg = fc.constantFrom("", "", "! ");
const proto = fc.constantFrom("", "-p tcp", "-p udp", "-p icmp", "! -p tcp");

/** Conditions of a rule (possibly empty): each built-in option at most once, then matches. */
function conds(allowOut: boolean, allowIn: boolean): fc.Arbitrary<string> {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
  const matches = fc.subarray(
    [
      "-m mark --mark 0x4000/0x4000",
      "-m mark ! --mark 0x4000/0x4000",
      "-m conntrack --ctstate NEW",
      "-m addrtype --dst-type LOCAL",
      "-m addrtype --src-type LOCAL",
      "-m statistic --mode random --probability 0.5",
      "-m recent --rcheck --seconds 60 --name L1 --rsource",
      "-m comment --comment x",
    ],
    { maxLength: 2 },
  );
  const ports = fc.oneof(
    fc.constant(""),
    fc.tuple(neg, fc.constantFrom(...PORTS)).map(([n, p]) => `${n}--dport ${p}`),
    fc.constantFrom("--dport 1000:2000", "--sport 40000", "-m multiport --dports 80,443"),
  );
  return fc
    .record({
      p: proto,
      s: opt(fc.tuple(neg, fc.constantFrom(...SRC_NETS)).map(([n, a]) => `${n}-s ${a}`)),
      d: opt(fc.tuple(neg, fc.constantFrom(...DST_NETS)).map(([n, a]) => `${n}-d ${a}`)),
      i: allowIn ? opt(fc.tuple(neg, fc.constantFrom(...IFACES)).map(([n, i]) => `${n}-i ${i}`)) : fc.constant(undefined),
      o: allowOut ? opt(fc.tuple(neg, fc.constantFrom(...IFACES)).map(([n, i]) => `${n}-o ${i}`)) : fc.constant(undefined),
      m: matches,
      pt: ports,
    })
    .map(({ p, s, d, i, o, m, pt }) => {
      const usable = p === "-p tcp" || p === "-p udp" ? pt : "";
      const portText = usable.startsWith("-m multiport") ? usable : usable ? `-m ${p.slice(3)} ${usable}` : "";
      return [p, s, d, i, o, ...m, portText].filter(Boolean).join(" ");
    });
}

const filterTarget = fc.constantFrom("-j ACCEPT", "-j DROP", "-j REJECT", "-j RETURN", "-j F1", "-j F2", "-g F2", "-j MARK --set-xmark 0x4000/0x4000", "");
const natPreTarget = fc.constantFrom("-j DNAT --to-destination 10.244.1.5:8080", "-j DNAT --to-destination 10.244.2.6", "-j N1", "-j RETURN", "-j ACCEPT", "-j MARK --set-xmark 0x4000/0x4000", "-j REDIRECT --to-ports 15001");
const natPostTarget = fc.constantFrom("-j MASQUERADE", "-j SNAT --to-source 192.0.2.10", "-j RETURN", "-j ACCEPT", "-j N2");

interface ChainSpec {
  readonly table: "filter" | "nat";
  readonly chain: string;
  /** Where the chain is reached from (decides which targets and interfaces are allowed). */
  readonly kind: "in" | "fwd" | "out" | "pre" | "post" | "user";
}

const CHAINS: readonly ChainSpec[] = [
  { table: "filter", chain: "INPUT", kind: "in" },
  { table: "filter", chain: "FORWARD", kind: "fwd" },
  { table: "filter", chain: "OUTPUT", kind: "out" },
  { table: "filter", chain: "F1", kind: "user" },
  { table: "filter", chain: "F2", kind: "user" },
  { table: "nat", chain: "PREROUTING", kind: "pre" },
  { table: "nat", chain: "OUTPUT", kind: "pre" },
  { table: "nat", chain: "N1", kind: "pre" },
  { table: "nat", chain: "POSTROUTING", kind: "post" },
  { table: "nat", chain: "N2", kind: "post" },
];

function ruleFor(c: ChainSpec): fc.Arbitrary<string> {
  const target = c.table === "filter" ? filterTarget : c.kind === "post" ? natPostTarget : natPreTarget;
  const allowIn = c.kind !== "out" && c.kind !== "post" && c.chain !== "OUTPUT";
  const allowOut = c.kind !== "pre" && c.kind !== "in";
  return fc.tuple(conds(allowOut, allowIn), target).map(([k, t]) => {
    // NAT ports need a port protocol in the rule.
    const ports = /^(-p tcp|-p udp)/.test(k);
    if (!ports && t.includes(":8080")) t = "-j DNAT --to-destination 10.244.2.6";
    if (!ports && t.includes("REDIRECT")) t = "-j ACCEPT";
    // No self-jumps (F1 -> F1, N1 -> N1); F2 may not jump back to F1 (no loops).
    if ((c.chain === "F1" && /F1$/.test(t)) || (c.chain === "F2" && /F[12]$/.test(t)) || (c.chain === "N1" && t === "-j N1") || (c.chain === "N2" && t === "-j N2")) t = "-j RETURN";
    if (c.kind !== "user" && c.kind !== "pre" && c.kind !== "post" && t === "-j RETURN") t = "-j ACCEPT";
    return [k, t].filter(Boolean).join(" ");
  });
}

export interface SmallRuleset {
  /** Rules by chain index in CHAINS. */
  readonly rules: readonly (readonly string[])[];
  readonly policies: readonly ("ACCEPT" | "DROP")[];
}

export const smallRuleset: fc.Arbitrary<SmallRuleset> = fc.record({
  rules: fc.tuple(...CHAINS.map((c) => fc.array(ruleFor(c), { maxLength: c.kind === "user" || c.chain === "N1" || c.chain === "N2" ? 3 : 4 }))),
  policies: fc.tuple(...[0, 1, 2].map(() => fc.constantFrom<"ACCEPT" | "DROP">("ACCEPT", "ACCEPT", "DROP"))),
});

/** One behaviour-changing (or not) edit. */
export const edit = fc.record({
  chain: fc.integer({ min: 0, max: CHAINS.length - 1 }),
  kind: fc.constantFrom("delete", "insert", "replace", "swap", "policy"),
  at: fc.nat(),
  rule: fc.constantFrom(...CHAINS.map((_, i) => i)).chain((i) => ruleFor(CHAINS[i]!)),
  ruleFor: fc.nat(),
});

export function applyEdits(s: SmallRuleset, edits: readonly { chain: number; kind: string; at: number; rule: string; ruleFor: number }[]): SmallRuleset {
  const rules = s.rules.map((r) => [...r]);
  const policies = [...s.policies];
  for (const e of edits) {
    const list = rules[e.chain]!;
    const c = CHAINS[e.chain]!;
    switch (e.kind) {
      case "delete":
        if (list.length) list.splice(e.at % list.length, 1);
        break;
      case "insert":
      case "replace": {
        // The rule must suit the chain: regenerate deterministically from the edit's own rule when not.
        const r = fc.sample(ruleFor(c), { numRuns: 1, seed: e.ruleFor })[0]!;
        if (e.kind === "insert") list.splice(e.at % (list.length + 1), 0, r);
        else if (list.length) list[e.at % list.length] = r;
        break;
      }
      case "swap":
        if (list.length > 1) {
          const i = e.at % (list.length - 1);
          [list[i], list[i + 1]] = [list[i + 1]!, list[i]!];
        }
        break;
      case "policy":
        if (e.chain < 3) policies[e.chain] = policies[e.chain] === "DROP" ? "ACCEPT" : "DROP";
        break;
    }
  }
  return { rules, policies };
}

export function renderSmall(s: SmallRuleset): string {
  const out: string[] = ["*filter", `:INPUT ${s.policies[0]} [0:0]`, `:FORWARD ${s.policies[1]} [0:0]`, `:OUTPUT ${s.policies[2]} [0:0]`, ":F1 - [0:0]", ":F2 - [0:0]"];
  CHAINS.forEach((c, i) => {
    if (c.table === "filter") for (const r of s.rules[i]!) out.push(`-A ${c.chain}${r ? ` ${r}` : ""}`);
  });
  out.push("COMMIT", "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", ":N1 - [0:0]", ":N2 - [0:0]");
  CHAINS.forEach((c, i) => {
    if (c.table === "nat") for (const r of s.rules[i]!) out.push(`-A ${c.chain}${r ? ` ${r}` : ""}`);
  });
  out.push("COMMIT");
  return out.join("\n") + "\n";
}

export function parseOk(text: string): Ruleset | undefined {
  const r = parseRuleset(text);
  return r.diagnostics.some((d) => d.severity === "error") ? undefined : r.value;
}

/** Packets over the same universe (plus random values), with their origin. */
export const packet: fc.Arbitrary<PacketSpec & { from: Origin }> = fc
  .record({
    src: fc.oneof(fc.constantFrom(...SRCS), fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.3`)),
    dst: fc.oneof(fc.constantFrom(...DSTS), fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `172.16.${a}.${b}`)),
    proto: fc.constantFrom(6, 17, 1, 47),
    sport: fc.oneof(fc.constant(40000), fc.integer({ min: 1, max: 65535 })),
    dport: fc.oneof(fc.constantFrom(...PORTS), fc.constant(1500), fc.integer({ min: 1, max: 65535 })),
    from: fc.constantFrom<Origin>("external", "pod", "host"),
    inIface: fc.constantFrom(undefined, "eth0", "cni0", "docker0", "eth1", "lo"),
  })
  .map((p) => {
    const hasPorts = p.proto === 6 || p.proto === 17;
    const inIface = p.from === "host" ? undefined : p.from === "pod" ? "cni0" : p.inIface === "cni0" ? "eth0" : p.inIface;
    return {
      src: parseAddr(p.src)!,
      dst: parseAddr(p.dst)!,
      proto: p.proto,
      ...(hasPorts ? { sport: p.sport, dport: p.dport } : {}),
      ...(p.proto === 1 ? { icmpType: 8, icmpCode: 0 } : {}),
      from: p.from,
      ...(inIface !== undefined ? { inIface } : {}),
    };
  });

// ---- kube-proxy dumps (bench/gen.ts): noise and real changes ---------------------------------------

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** kube-proxy dumps small enough for many runs. */
export const dumpArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  services: fc.integer({ min: 3, max: 25 }),
  era: fc.constantFrom<"modern" | "legacy">("modern", "legacy"),
});

/** Keys of rules that must keep their relative order when shuffling (same frontend). */
function frontendKey(line: string): string {
  const d = /-d (\S+)/.exec(line)?.[1] ?? "*";
  const p = /--dport (\d+)/.exec(line)?.[1] ?? "*";
  return `${d}|${p}`;
}

function shuffleBy<T>(xs: readonly T[], key: (x: T) => string, rnd: () => number): T[] {
  // Permute the groups, keep each group's own order.
  const groups = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = groups.get(k);
    if (g) g.push(x);
    else groups.set(k, [x]);
  }
  const order = [...groups.keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out: T[] = [];
  const pos = new Map<string, number>();
  // Interleave: draw a group at random, take its next element.
  const left = order.map((k) => k);
  while (left.length) {
    const i = Math.floor(rnd() * left.length);
    const k = left[i]!;
    const n = pos.get(k) ?? 0;
    out.push(groups.get(k)![n]!);
    pos.set(k, n + 1);
    if (n + 1 >= groups.get(k)!.length) left.splice(i, 1);
  }
  return out;
}

export interface Noise {
  readonly rename: boolean;
  readonly shuffle: boolean;
  readonly interleave: boolean;
  readonly counters: boolean;
  readonly spelling: boolean;
  readonly comments: boolean;
  readonly seed: number;
}

export const noiseArb: fc.Arbitrary<Noise> = fc.record({
  rename: fc.boolean(),
  shuffle: fc.boolean(),
  interleave: fc.boolean(),
  counters: fc.boolean(),
  spelling: fc.boolean(),
  comments: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Apply behaviour-preserving edits. */
export function addNoise(text: string, n: Noise): string {
  const rnd = prng(n.seed);
  let out = text;
  if (n.rename) {
    const hashes = [...new Set([...out.matchAll(/KUBE-(?:SVC|SVL|EXT|FW|XLB|SEP)-([A-Z2-7]{16})/g)].map((m) => m[1]!))];
    for (const h of hashes) {
      if (rnd() < 0.5) continue;
      const fresh = Array.from({ length: 16 }, () => B32[Math.floor(rnd() * 32)]).join("");
      out = out.split(h).join(fresh);
    }
  }
  if (n.spelling) {
    out = out
      .replace(/-j MARK --set-xmark 0x4000\/0x4000/g, "-j MARK --or-mark 0x4000")
      .replace(/-j MARK --set-xmark 0x8000\/0x8000/g, "-j MARK --or-mark 0x8000")
      .replace(/ -d (\d+\.\d+\.\d+\.\d+)\/32 /g, " -d $1 ")
      .replace(/--probability 0\.50000000000/g, "--probability 0.5")
      .replace(/--probability 0\.50000 /g, "--probability 0.500000 ")
      .replace(/ -m tcp --dport/g, " --dport");
  }
  if (n.comments) out = out.replace(/^# .*$/gm, "# regenerated").replace(/--comment "kubernetes service portals"/g, '--comment "portals"');
  const lines = out.split("\n");
  // Per table: chain lines stay in front, rules may be shuffled / interleaved.
  const result: string[] = [];
  let rules: string[] = [];
  const flush = () => {
    let rs2 = rules;
    if (n.shuffle) {
      // Independent frontends of the service chains in any order.
      const shuffleChain = (chain: string) => {
        const mine = rs2.filter((l) => l.startsWith(`-A ${chain} `));
        const last = chain === "KUBE-SERVICES" ? mine.filter((l) => l.includes("-j KUBE-NODEPORTS")) : [];
        const body = mine.filter((l) => !last.includes(l));
        const shuffled = [...shuffleBy(body, frontendKey, rnd), ...last];
        let k = 0;
        rs2 = rs2.map((l) => (l.startsWith(`-A ${chain} `) ? shuffled[k++]! : l));
      };
      for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-EXTERNAL-SERVICES"]) shuffleChain(c);
    }
    if (n.interleave) rs2 = shuffleBy(rs2, (l) => l.split(" ")[1]!, rnd);
    if (n.counters) rs2 = rs2.map((l) => `[${Math.floor(rnd() * 1000)}:${Math.floor(rnd() * 100000)}] ${l}`);
    result.push(...rs2);
    rules = [];
  };
  for (const l of lines) {
    if (l.startsWith("-A ")) rules.push(l);
    else {
      flush();
      result.push(n.counters && /^:[A-Z]+ (ACCEPT|DROP) /.test(l) ? l.replace(/\[\d+:\d+\]$/, "[9:999]") : l);
    }
  }
  flush();
  return result.join("\n");
}

/** Behaviour-changing edits of a generated dump. */
export const changeArb = fc.record({
  kind: fc.constantFrom("drop-frontend", "drop-endpoint-rule", "move-endpoint", "reject-service", "nodeport", "probability", "policy"),
  pick: fc.nat(),
});

export function change(text: string, c: { kind: string; pick: number }): string | undefined {
  const lines = text.split("\n");
  const choose = (pred: (l: string) => boolean): number | undefined => {
    const idx = lines.map((l, i) => (pred(l) ? i : -1)).filter((i) => i >= 0);
    return idx.length ? idx[c.pick % idx.length] : undefined;
  };
  switch (c.kind) {
    case "drop-frontend": {
      const i = choose((l) => l.startsWith("-A KUBE-SERVICES -d ") && l.includes("-j KUBE-"));
      if (i === undefined) return undefined;
      lines.splice(i, 1);
      break;
    }
    case "drop-endpoint-rule": {
      const i = choose((l) => /^-A KUBE-(SVC|SVL|XLB)-\S+ .*-j KUBE-SEP-/.test(l));
      if (i === undefined) return undefined;
      lines.splice(i, 1);
      break;
    }
    case "move-endpoint": {
      const i = choose((l) => l.includes("-j DNAT --to-destination 10.244."));
      if (i === undefined) return undefined;
      lines[i] = lines[i]!.replace(/--to-destination 10\.244\.(\d+)\.(\d+)/, (_, a: string, b: string) => `--to-destination 10.244.${a}.${(Number(b) + 1) % 250}`);
      break;
    }
    case "reject-service": {
      const i = choose((l) => l.startsWith("-A KUBE-SERVICES -d ") && l.includes("-j KUBE-SVC-"));
      if (i === undefined) return undefined;
      const m = /-d (\S+) -p (\w+) .*--dport (\d+)/.exec(lines[i]!);
      const f = lines.findIndex((l) => l === "*filter");
      if (!m || f < 0) return undefined;
      const commit = lines.findIndex((l, k) => k > f && l === "COMMIT");
      lines.splice(commit, 0, `-A FORWARD -d ${m[1]} -p ${m[2]} -m ${m[2]} --dport ${m[3]} -j REJECT`);
      break;
    }
    case "nodeport": {
      const i = choose((l) => l.startsWith("-A KUBE-NODEPORTS -p ") && l.includes("--dport"));
      if (i === undefined) return undefined;
      lines[i] = lines[i]!.replace(/--dport (\d+)/, (_, p: string) => `--dport ${Number(p) + 1}`);
      break;
    }
    case "probability": {
      const i = choose((l) => l.includes("--probability"));
      if (i === undefined) return undefined;
      lines[i] = lines[i]!.replace(/--probability \S+/, "--probability 0.90000000000");
      break;
    }
    case "policy": {
      const i = choose((l) => l === ":FORWARD ACCEPT [0:0]");
      if (i === undefined) return undefined;
      lines[i] = ":FORWARD DROP [0:0]";
      break;
    }
  }
  return lines.join("\n");
}

