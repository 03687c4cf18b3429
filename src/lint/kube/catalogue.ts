/**
 * What a dump says about kube-proxy's services: the service ports named in nat KUBE-SERVICES and
 * KUBE-NODEPORTS comments, their addresses, ports and chains, and small readers for the rule shapes
 * kube-proxy writes. Works for both eras (KUBE-XLB of ~1.16-1.22, KUBE-EXT/KUBE-SVL since 1.23).
 */
import type { Chain, Match, Rule, Table } from "../../model/ast.js";
import type { CommentMatch } from "../../extensions/matches/comment.js";
import { printMatch, printTarget } from "../../model/print.js";
import { FIELD_INDEX } from "../../space/fields.js";
import { IntervalSet } from "../../space/sets.js";
import { splitWords } from "../../space/extensions.js";
import type { LintContext } from "../context.js";
import { PORT_NAME, serviceChainKind, type ServiceChainKind } from "./names.js";

export function commentOf(r: Rule): string | undefined {
  for (const m of r.matches) if (m.kind === "match" && m.module === "comment") return (m as CommentMatch).comment;
  return undefined;
}

export function hasModule(r: Rule, module: string): boolean {
  return r.matches.some((m) => m.module === module);
}

/** The words after `-m module` for a rule's first match of that module. */
export function matchWords(r: Rule, module: string, family: 4 | 6): string[] | undefined {
  const m: Match | undefined = r.matches.find((x) => x.module === module);
  if (!m) return undefined;
  return m.kind === "opaque-match" ? [...m.args] : splitWords(printMatch(m, family)).slice(2);
}

/** The words after `-j NAME`. */
export function targetWords(r: Rule, family: 4 | 6): string[] {
  return r.target ? splitWords(printTarget(r.target, family)).slice(2) : [];
}

export function optionValue(words: readonly string[], name: string): string | undefined {
  const i = words.indexOf(name);
  return i >= 0 ? words[i + 1] : undefined;
}

export function jumpTarget(r: Rule): string | undefined {
  return r.target?.kind === "jump" ? r.target.chain : undefined;
}

export function targetNameOf(r: Rule): string | undefined {
  const t = r.target;
  if (!t) return undefined;
  return t.kind === "verdict" ? t.verdict : t.kind === "jump" ? t.chain : t.name;
}

export const PROTO_NAMES: Readonly<Record<number, string>> = { 6: "tcp", 17: "udp", 132: "sctp" };

/** A single value of a field of the rule's exact space (destination host, destination port). */
function single(ctx: LintContext, r: Rule, field: "dst" | "dport"): bigint | undefined {
  const s = ctx.space(r).over;
  if (s.cubes.length !== 1) return undefined;
  const set = s.cubes[0]!.sets[FIELD_INDEX[field]];
  return set instanceof IntervalSet ? set.single() : undefined;
}

export function ruleDstHost(ctx: LintContext, r: Rule): bigint | undefined {
  return r.destination && !r.destination.negated ? single(ctx, r, "dst") : undefined;
}
export function ruleDport(ctx: LintContext, r: Rule): number | undefined {
  const v = single(ctx, r, "dport");
  return v === undefined ? undefined : Number(v);
}
export function ruleProto(r: Rule): number | undefined {
  return r.protocol && !r.protocol.negated && r.protocol.number !== 0 ? r.protocol.number : undefined;
}

export type EntryKind = "cluster IP" | "external IP" | "loadbalancer IP" | "nodeport";

/** One way traffic reaches a service port: its cluster IP, an external or LB IP, or its NodePort. */
export interface ServiceEntry {
  readonly portName: string;
  readonly kind: EntryKind;
  /** The address matched (undefined for NodePorts: any local address). */
  readonly ip?: bigint;
  readonly proto?: number;
  readonly port?: number;
  /** The per-service chain the rule jumps to. */
  readonly target: string;
  readonly rule: Rule;
}

export interface KubeChain {
  readonly kind: ServiceChainKind;
  readonly hash: string;
  readonly chain: Chain;
}

export interface Catalogue {
  readonly nat: Table | undefined;
  readonly filter: Table | undefined;
  readonly entries: readonly ServiceEntry[];
  /** nat chains named like per-service chains. */
  readonly chains: ReadonlyMap<string, KubeChain>;
}

const SERVICES_COMMENT = /^(\S+) (cluster IP|external IP|loadbalancer IP)$/;

/** The catalogue of a rule set (computed once per lint run). */
export function catalogue(ctx: LintContext): Catalogue {
  return ctx.cached("kube:catalogue", () => {
    const nat = ctx.table("nat");
    const filter = ctx.table("filter");
    const entries: ServiceEntry[] = [];
    const chains = new Map<string, KubeChain>();
    if (nat) {
      for (const c of nat.chains) {
        const k = serviceChainKind(c.name);
        if (k) chains.set(c.name, { ...k, chain: c });
      }
      const byName = ctx.chains(nat);
      for (const r of byName.get("KUBE-SERVICES")?.rules ?? []) {
        const target = jumpTarget(r);
        const m = SERVICES_COMMENT.exec(commentOf(r) ?? "");
        if (!m || !target || !serviceChainKind(target) || !PORT_NAME.test(m[1]!)) continue;
        entries.push(entry(ctx, r, m[1]!, m[2] as EntryKind, target));
      }
      const seen = new Set<string>();
      for (const r of byName.get("KUBE-NODEPORTS")?.rules ?? []) {
        const target = jumpTarget(r);
        const name = commentOf(r) ?? "";
        if (!target || !serviceChainKind(target) || !PORT_NAME.test(name)) continue;
        const e = entry(ctx, r, name, "nodeport", target);
        // The localhost variant (-d 127.0.0.0/8) repeats the same NodePort.
        const key = `${name}/${e.proto}/${e.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        entries.push({ ...e, ip: undefined });
      }
    }
    return { nat, filter, entries, chains };
  });
}

function entry(ctx: LintContext, r: Rule, portName: string, kind: EntryKind, target: string): ServiceEntry {
  const ip = ruleDstHost(ctx, r);
  const proto = ruleProto(r);
  const port = ruleDport(ctx, r);
  return {
    portName,
    kind,
    target,
    rule: r,
    ...(ip !== undefined ? { ip } : {}),
    ...(proto !== undefined ? { proto } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** Endpoint chains reachable from a chain through jumps (KUBE-EXT → KUBE-SVC → KUBE-SEP …). */
export function reachableEndpoints(ctx: LintContext, nat: Table, from: string): Set<string> {
  const byName = ctx.chains(nat);
  const out = new Set<string>();
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.startsWith("KUBE-SEP-")) {
      if (byName.has(n)) out.add(n);
      continue;
    }
    for (const r of byName.get(n)?.rules ?? []) {
      const t = jumpTarget(r);
      if (t && (t.startsWith("KUBE-SEP-") || serviceChainKind(t))) stack.push(t);
    }
  }
  return out;
}

const dnatCache = new WeakMap<Rule, string | undefined>();

/** The `ip:port` of a DNAT rule's --to-destination. */
export function dnatDestination(r: Rule, family: 4 | 6): string | undefined {
  if (r.target?.kind === "jump" || r.target?.kind === "verdict" || !r.target || r.target.name !== "DNAT") return undefined;
  if (dnatCache.has(r)) return dnatCache.get(r);
  const d = optionValue(targetWords(r, family), "--to-destination");
  dnatCache.set(r, d);
  return d;
}

/** `namespace/name:port -> 10.0.0.1:80` comments of rules that pick an endpoint. */
export const ENDPOINT_COMMENT = /^(\S+) -> (\S+)$/;
