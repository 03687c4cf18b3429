/**
 * Hooks and tables in the order netfilter runs them (priorities: raw -300, conntrack -200, mangle -150,
 * nat DNAT -100, filter 0, security 50, nat SNAT 100), with the routing decisions between them.
 *
 *   arriving (external, pod):
 *     PREROUTING raw, mangle, nat → route (after DNAT) → local:  INPUT mangle, filter, security, nat
 *                                                      → other:  FORWARD mangle, filter, security
 *                                                                → POSTROUTING mangle, nat
 *   locally generated (host):
 *     route → OUTPUT raw, mangle, nat, (re-route after DNAT) filter, security → POSTROUTING mangle, nat
 *     and when the destination is local, the packet loops back through `lo`:
 *     PREROUTING raw, mangle → INPUT mangle, filter, security (nat is not consulted again: the
 *     connection's NAT was settled in OUTPUT and POSTROUTING).
 *
 * nat chains run only for a connection's first packet (conntrack state NEW); other packets get the NAT
 * their connection got then, which the dump does not hold.
 */
import type { Hook, TableName } from "../model/ast.js";
import type { Packet } from "../net/packet.js";
import { withIfaces } from "./packet.js";
import type { NodeFacts } from "./context.js";
import { HOOK_INDEX } from "./compile.js";
import { listToArray, settleTrivialWalk, type PathState, type TableEnd, type TableWalker, type WalkContext } from "./step.js";
import type { Delivery, Origin, Outcome, Verdict } from "./types.js";

type Stage = readonly [TableName, Hook];

const PREROUTING: readonly Stage[] = [
  ["raw", "PREROUTING"],
  ["mangle", "PREROUTING"],
  ["nat", "PREROUTING"],
];
const INPUT: readonly Stage[] = [
  ["mangle", "INPUT"],
  ["filter", "INPUT"],
  ["security", "INPUT"],
  ["nat", "INPUT"],
];
const FORWARD: readonly Stage[] = [
  ["mangle", "FORWARD"],
  ["filter", "FORWARD"],
  ["security", "FORWARD"],
];
const POSTROUTING: readonly Stage[] = [
  ["mangle", "POSTROUTING"],
  ["nat", "POSTROUTING"],
];
const OUTPUT: readonly Stage[] = [
  ["raw", "OUTPUT"],
  ["mangle", "OUTPUT"],
  ["nat", "OUTPUT"],
  ["filter", "OUTPUT"],
  ["security", "OUTPUT"],
];

/** A path that has ended: how, and where the packet went. */
export interface Finished {
  readonly state: PathState;
  readonly verdict: Verdict;
  readonly rejectWith?: string | undefined;
  readonly delivery: Delivery;
  readonly outIface?: string | undefined;
}

/** A path whose journey a table ended. */
function ended(state: PathState, end: TableEnd): Finished {
  switch (end.kind) {
    case "accept":
      return { state, verdict: "ACCEPT", delivery: "none" };
    case "drop":
      return { state, verdict: "DROP", delivery: "none" };
    case "reject":
      return { state, verdict: "REJECT", rejectWith: end.with, delivery: "none" };
    case "queue":
      return { state, verdict: "QUEUE", delivery: "none" };
    case "unknown":
      return { state, verdict: "UNKNOWN", delivery: "none" };
    default: {
      const never: never = end;
      return never;
    }
  }
}

export interface PipelineRun {
  readonly finished: Finished[];
  readonly notes: string[];
}

const NOT_NEW = (hook: Hook, state: string) =>
  `nat ${hook} not consulted: the packet is ${state} (nat rules run only for the first packet of a connection; a tracked connection keeps the NAT it got then, which the dump does not show)`;
const LOOPBACK_NOTE = "looped back through lo: PREROUTING and INPUT run again, nat was settled in OUTPUT/POSTROUTING";

/** One evaluation's pipeline state: the paths that ended and the notes. */
class Run implements PipelineRun {
  readonly finished: Finished[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly w: WalkContext,
    private readonly walk: TableWalker,
  ) {}

  note(n: string): void {
    if (!this.notes.includes(n)) this.notes.push(n);
  }

  /**
   * Run tables in order; paths that end are finished, the accepted ones are returned. `skipNat`: the
   * looped-back half of a local packet (nat settled already); `reroute`: re-route locally generated
   * packets after a table changed their destination.
   */
  stages(paths: PathState[], list: readonly Stage[], skipNat = false, reroute?: NodeFacts): PathState[] {
    let live = paths;
    for (let k = 0; k < list.length; k++) {
      const table = list[k]![0];
      const hook = list[k]![1];
      const hi = HOOK_INDEX[hook];
      const next: PathState[] = [];
      for (const s of live) {
        if (table === "nat" && (skipNat || s.packet.ctState !== "NEW")) {
          if (!skipNat && this.w.compiled.tables.get("nat")?.chains.has(hook)) {
            this.note(NOT_NEW(hook, s.packet.ctState));
            s.note(NOT_NEW(hook, s.packet.ctState));
          }
          next.push(s);
          continue;
        }
        if (settleTrivialWalk(this.w, table, hi, hook, s)) {
          if (s.ended.kind !== "accept") this.finished.push(ended(s, s.ended));
          else next.push(reroute ? rerouted(reroute, s) : s);
          continue;
        }
        // A fresh list per walk: cheaper than emptying a reused one (a runtime call in V8).
        const out: PathState[] = [];
        this.walk(this.w, table, hook, s, out);
        for (const r of out) {
          if (r.ended.kind !== "accept") this.finished.push(ended(r, r.ended));
          else next.push(reroute ? rerouted(reroute, r) : r);
        }
      }
      live = next;
    }
    return live;
  }
}

function setIfaces(s: PathState, inIface: string | undefined, outIface: string | undefined): PathState {
  s.packet = withIfaces(s.packet, inIface, outIface);
  return s;
}

/** Re-route a locally generated packet whose destination a table changed (ip_route_me_harder). */
function rerouted(node: NodeFacts, s: PathState): PathState {
  const o = node.isLocal(s.packet.dst) ? "lo" : (node.route(s.packet.dst) ?? s.packet.outIface);
  return o === s.packet.outIface ? s : setIfaces(s, undefined, o);
}

export function runPipeline(w: WalkContext, walk: TableWalker, origin: Origin, packet: Packet, start: PathState): PipelineRun {
  const node = w.node;
  const run = new Run(w, walk);
  const { finished } = run;

  if (origin === "host") {
    const out = node.isLocal(packet.dst) ? "lo" : node.route(packet.dst);
    if (out === undefined) {
      finished.push({ state: start.note("no route to the destination: the socket gets ENETUNREACH before any hook"), verdict: "DROP", delivery: "none" });
      return run;
    }
    let live = run.stages([setIfaces(start, undefined, out)], OUTPUT, false, node);
    live = run.stages(live, POSTROUTING);
    for (const s of live) {
      if (node.isLocal(s.packet.dst)) {
        run.note(LOOPBACK_NOTE);
        const back = run.stages(run.stages([setIfaces(s.note(LOOPBACK_NOTE), "lo", undefined)], PREROUTING, true), INPUT, true);
        for (const b of back) finished.push({ state: b, verdict: "ACCEPT", delivery: "local", outIface: "lo" });
      } else finished.push({ state: s, verdict: "ACCEPT", delivery: "output", outIface: s.packet.outIface });
    }
    return run;
  }

  const toInput: PathState[] = [];
  const toForward: PathState[] = [];
  for (const s of run.stages([start], PREROUTING)) {
    const p = s.packet;
    // The routing decision, after DNAT: martians and unjoined multicast are dropped before any further hook.
    const refusal = node.inputRefusal(p);
    if (refusal !== undefined) {
      finished.push({ state: s.note(`input routing drops it: ${refusal}`), verdict: "DROP", delivery: "none" });
      continue;
    }
    if (node.isLocal(p.dst) || node.deliversLocally(p.dst)) {
      toInput.push(s);
      continue;
    }
    if (p.bridged && !p.ctDnat && p.inIface !== undefined) {
      // br_netfilter: a bridged frame that nat left alone is forwarded within the bridge.
      const n = `bridged: forwarded within ${p.inIface}${p.physIn ? ` (entered on port ${p.physIn})` : ""}`;
      run.note(n);
      toForward.push(setIfaces(s.note(n), p.inIface, p.inIface));
      continue;
    }
    const out = node.route(p.dst);
    if (out === undefined) {
      finished.push({ state: s.note("no route to the destination: the routing decision drops it"), verdict: "DROP", delivery: "none" });
      continue;
    }
    toForward.push(setIfaces(s, p.inIface, out));
  }
  for (const s of run.stages(toInput, INPUT)) finished.push({ state: s, verdict: "ACCEPT", delivery: "local" });
  for (const s of run.stages(run.stages(toForward, FORWARD), POSTROUTING)) finished.push({ state: s, verdict: "ACCEPT", delivery: "forward", outIface: s.packet.outIface });
  return run;
}

/** Turn a finished path into an outcome (fields the path does not have are left undefined). */
export function toOutcome(f: Finished, w: WalkContext): Outcome {
  const s = f.state;
  const nat = listToArray(s.nat);
  let masquerade = false;
  for (const n of nat) if (n.kind === "SNAT" || n.kind === "MASQUERADE") masquerade = true;
  return {
    probability: s.prob,
    verdict: f.verdict,
    rejectWith: f.rejectWith,
    delivery: f.delivery,
    outIface: f.outIface,
    packet: s.packet,
    nat,
    masquerade,
    decision: f.verdict === "ACCEPT" ? (s.dnat ?? s.accept) : s.end,
    assumptions: s.assumptions,
    trace: listToArray(s.trace),
    failed: w.verbose ? listToArray(s.failed) : undefined,
    nearMisses: w.nearMisses ? listToArray(s.nearMisses) : undefined,
    notes: listToArray(s.notes),
  };
}
