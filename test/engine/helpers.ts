/** Shared by the engine, kube and explain tests: parse a dump, make packets, run both walkers. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parseRuleset } from "../../src/model/build.js";
import type { Ruleset } from "../../src/model/ast.js";
import { formatAddr, parseAddr } from "../../src/net/addr.js";
import { parseProtocol } from "../../src/net/packet.js";
import {
  compile,
  evaluateSequential,
  isPolicyStep,
  makeNodeContext,
  parseLocalAddress,
  parseRoute,
  type EvaluateOptions,
  type Evaluation,
  type LocalAddress,
  type NodeContext,
  type Outcome,
  type PacketSpec,
  type Route,
  type TraceStep,
} from "../../src/engine/index.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

/** Parse a dump that must have no errors. */
export function rs(text: string): Ruleset {
  const r = parseRuleset(text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.value;
}

export function ip(text: string) {
  const a = parseAddr(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

/** `pkt("10.244.1.5", "10.96.0.10", "udp", 53, { from: "pod" })` */
export function pkt(src: string, dst: string, proto = "tcp", dport?: number, extra: Partial<PacketSpec> = {}): PacketSpec {
  const p = parseProtocol(proto);
  if (p === null) throw new Error(`bad protocol ${proto}`);
  const ports = p === 6 || p === 17 || p === 132;
  return { src: ip(src), dst: ip(dst), proto: p, ...(ports ? { sport: 40000, dport: dport ?? 80 } : {}), ...extra };
}

/** Node context from flag-like strings: node("192.0.2.10=eth0", "10.244.1.1=cni0"; routes "10.244.1.0/24=cni0"). */
export function node(localAddrs: string[] = [], routes: string[] = []): NodeContext {
  return makeNodeContext({
    localAddresses: localAddrs.map((t) => parseLocalAddress(t) as LocalAddress),
    routes: routes.map((t) => parseRoute(t) as Route),
  });
}

/** The node of the kube fixtures: eth0 192.0.2.10, cni0 10.244.1.1 with this node's pods 10.244.1.0/24. */
export const KUBE_NODE = (): NodeContext => node(["192.0.2.10=eth0", "10.244.1.1=cni0"], ["10.244.1.0/24=cni0"]);

/** `table hook chain #index` or `table hook chain policy P`. */
export function stepText(s: TraceStep): string {
  return isPolicyStep(s) ? `${s.table} ${s.hook} ${s.chain} policy ${s.policy}` : `${s.table} ${s.hook} ${s.chain} #${s.index}`;
}

export function traceText(o: Outcome): string[] {
  return o.trace.map(stepText);
}

/** An outcome reduced to what both walkers must agree on exactly. */
export function normalOutcome(o: Outcome): string {
  const p = o.packet;
  return JSON.stringify({
    p: Number(o.probability.toPrecision(12)),
    v: o.verdict,
    r: o.rejectWith ?? null,
    d: o.delivery,
    oi: o.outIface ?? null,
    pkt: [formatAddr(p.src), p.sport ?? null, formatAddr(p.dst), p.dport ?? null, p.mark, p.ctDnat, p.ctSnat, p.inIface ?? null, p.outIface ?? null],
    m: o.masquerade,
    dec: o.decision ? stepText(o.decision as TraceStep) : null,
    a: o.assumptions.map((a) => `${a.key}=${a.holds}`),
    t: o.trace.map(stepText),
    alt: (o.alternatives ?? []).map((x) => [Number(x.probability.toPrecision(12)), x.trace.map(stepText)]),
    nm: (o.nearMisses ?? []).map((n) => `${n.table} ${n.hook} ${n.chain} #${n.index}: ${n.condition}`).sort(),
    n: [...o.notes].sort(),
  });
}

export function normalEvaluation(e: Evaluation): string[] {
  return e.outcomes.map(normalOutcome).sort();
}

/**
 * Evaluate with the indexed engine, check the sequential reference walker agrees exactly, and return
 * the engine's evaluation.
 */
export function run(ruleset: Ruleset, spec: PacketSpec, ctx: NodeContext = node(), opts: EvaluateOptions = {}): Evaluation {
  const indexed = compile(ruleset, ctx).evaluate(spec, opts);
  const sequential = evaluateSequential(ruleset, ctx, spec, opts);
  expect(normalEvaluation(indexed)).toEqual(normalEvaluation(sequential));
  return indexed;
}

/** Sum of probabilities. */
export function total(e: Evaluation): number {
  return e.outcomes.reduce((a, o) => a + o.probability, 0);
}
