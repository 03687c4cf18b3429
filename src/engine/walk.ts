/**
 * The chain walker: one table, one hook, every path. Iterative (an explicit stack of paths, each with
 * its own stack of chain frames), so neither long chains, deep jumps nor many branches can overflow the
 * JavaScript stack. With an index, a frame visits only its packet's candidate rules (see ./compile.ts).
 *
 * netfilter's chain semantics, as ipt_do_table implements them:
 * - a rule whose conditions all match runs its target; a rule without target only counts;
 * - `-j CHAIN` pushes a return point, `-g CHAIN` does not (RETURN from a goto'd chain goes back to the
 *   chain that called the one which did the goto, or to the policy);
 * - RETURN, or the end of a user chain, pops; the end of a built-in chain, or popping the last frame,
 *   runs the built-in chain's policy;
 * - ACCEPT ends this table's traversal of the hook (the next table runs), DROP/REJECT end the packet.
 */
import type { Hook, TableName } from "../model/ast.js";
import { HOOK_INDEX, bucketsFor, lowerBound, nearFor, testCond, whereOf, type CChain, type CRule, type PacketView } from "./compile.js";
import {
  MAX_DEPTH,
  applyPolicy,
  applyTarget,
  cons,
  giveUp,
  giveUpPath,
  recordFailure,
  recordNearMiss,
  recordUnmatched,
  ruleStep,
  settleTrivialWalk,
  splitPending,
  type PathState,
  type Pending,
  type Unmatched,
  type TableWalker,
  type WalkContext,
  type Where,
} from "./step.js";

interface Frame {
  readonly chain: CChain;
  readonly where: Where;
  /** Next rule position (0-based) to consider. */
  pos: number;
  /** Chains this frame slot left by `-g` (still "on the stack" for loop detection). */
  readonly via: readonly string[];
  /** Index cursor, valid for `view`: the four candidate lists (see bucketsFor) and a position in each. */
  view: PacketView | null;
  l0: readonly number[];
  l1: readonly number[];
  l2: readonly number[];
  l3: readonly number[];
  a0: number;
  a1: number;
  a2: number;
  a3: number;
  /** Near-miss mode: the packet's near-miss candidates (nearFor), a position in it, and whether the
   * rule nextRule chose is only such a candidate (it cannot match: it is only checked for a near miss). */
  near: readonly number[];
  an: number;
  onlyNear: boolean;
}

interface Thread {
  readonly state: PathState;
  view: PacketView;
  readonly frames: Frame[];
}

const NONE: readonly number[] = [];

function frame(chain: CChain, hook: Hook, hi: number, via: readonly string[] = NO_VIA): Frame {
  return { chain, where: whereOf(chain, hook, hi), pos: 0, via, view: null, l0: NONE, l1: NONE, l2: NONE, l3: NONE, a0: 0, a1: 0, a2: 0, a3: 0, near: NONE, an: 0, onlyNear: false };
}

const NO_VIA: readonly string[] = [];

/** First element of ascending `l` at or after position `j` that is ≥ `pos`: its position. */
function skip(l: readonly number[], j: number, pos: number): number {
  while (j < l.length && l[j]! < pos) j++;
  return j;
}

/**
 * Position of the next rule to test in the frame, or -1 at the end of the chain. With `near`, rules
 * that can only be near misses are visited too (`f.onlyNear` tells them apart).
 */
function nextRule(f: Frame, v: PacketView, useIndex: boolean, near: boolean): number {
  const n = f.chain.rules.length;
  const ix = useIndex ? f.chain.index : undefined;
  if (!ix) return f.pos < n ? f.pos : -1;
  if (f.view !== v) {
    // New packet (or a target changed it): look its buckets up again from the current position.
    f.view = v;
    bucketsFor(ix, v, f);
    f.a0 = lowerBound(f.l0, f.pos);
    f.a1 = lowerBound(f.l1, f.pos);
    f.a2 = lowerBound(f.l2, f.pos);
    f.a3 = lowerBound(f.l3, f.pos);
    if (near) {
      f.near = nearFor(ix, v);
      f.an = lowerBound(f.near, f.pos);
    }
  }
  // The smallest candidate at or after pos across the lists: rule order is kept.
  const pos = f.pos;
  f.a0 = skip(f.l0, f.a0, pos);
  f.a1 = skip(f.l1, f.a1, pos);
  f.a2 = skip(f.l2, f.a2, pos);
  f.a3 = skip(f.l3, f.a3, pos);
  let best = n;
  if (f.a0 < f.l0.length && f.l0[f.a0]! < best) best = f.l0[f.a0]!;
  if (f.a1 < f.l1.length && f.l1[f.a1]! < best) best = f.l1[f.a1]!;
  if (f.a2 < f.l2.length && f.l2[f.a2]! < best) best = f.l2[f.a2]!;
  if (f.a3 < f.l3.length && f.l3[f.a3]! < best) best = f.l3[f.a3]!;
  f.onlyNear = false;
  if (near) {
    f.an = skip(f.near, f.an, pos);
    if (f.an < f.near.length && f.near[f.an]! < best) {
      best = f.near[f.an]!;
      f.onlyNear = true;
    }
  }
  return best < n ? best : -1;
}

function copyFrame(f: Frame): Frame {
  return {
    chain: f.chain,
    where: f.where,
    pos: f.pos,
    via: f.via,
    view: f.view,
    l0: f.l0,
    l1: f.l1,
    l2: f.l2,
    l3: f.l3,
    a0: f.a0,
    a1: f.a1,
    a2: f.a2,
    a3: f.a3,
    near: f.near,
    an: f.an,
    onlyNear: f.onlyNear,
  };
}

function at(f: Frame, cr: CRule): string {
  return `${f.where.table} ${f.chain.name} rule ${cr.index}`;
}

function onStack(frames: readonly Frame[], name: string): boolean {
  for (const f of frames) if (f.chain.name === name || f.via.includes(name)) return true;
  return false;
}

export const walkTable: TableWalker = (w: WalkContext, table: TableName, hook: Hook, start: PathState, results: PathState[]): void => {
  const hi = HOOK_INDEX[hook];
  if (settleTrivialWalk(w, table, hi, hook, start)) {
    results.push(start);
    return;
  }
  const ct = w.compiled.tables.get(table)!;
  const base = ct.bases[hi]!;
  const env = w.node.env(table, hook);
  // Paths split off by branches wait here; the first path runs without it.
  let threads = null as Thread[] | null;
  const detailed = w.verbose || w.nearMisses;

  for (let th: Thread | undefined = { state: start, view: start.view(), frames: [frame(base, hook, hi)] }; th; th = threads?.pop()) {
    const s = th.state;
    for (;;) {
      const f = th.frames[th.frames.length - 1];
      if (!f) {
        results.push(applyPolicy(base, hook, s));
        break;
      }
      const i = nextRule(f, th.view, w.useIndex, w.nearMisses);
      if (i < 0) {
        th.frames.pop();
        continue;
      }
      f.pos = i + 1;
      const cr: CRule = f.chain.rules[i]!;
      if (f.onlyNear) {
        // Its key differs from the packet's: it cannot match, but may fail on that one condition only.
        recordNearMiss(s, f.where, cr, th.view, env);
        continue;
      }
      // testRule, inlined: this loop is the engine's hot path.
      let m: boolean | Pending[] = true;
      let failedAt = -1;
      const conds = cr.conds;
      for (let c = 0; c < conds.length; c++) {
        const r = testCond(conds[c]!, th.view, env);
        if (r === true) continue;
        if (r === false) {
          m = false;
          failedAt = c;
          break;
        }
        if (m === true) m = [r];
        else m.push(r);
      }
      if (m === false) {
        if (detailed) recordFailure(w, s, f.where, cr, th.view, env, failedAt);
        continue;
      }
      if (m !== true) {
        // (No closure here: one capturing this loop's variables would cost an allocation per rule.)
        const split: Unmatched[] = [];
        const matched = splitPending(w, s, m, split);
        for (const u of split) {
          recordUnmatched(w, u.state, f.where, cr, u.why);
          if (u.cut) results.push(giveUpPath(u.state));
          else (threads ??= []).push({ state: u.state, view: th.view, frames: th.frames.map(copyFrame) });
        }
        if (!matched) continue;
      }
      s.trace = cons(ruleStep(f.where, cr), s.trace);
      const t = cr.target;
      if (t !== null && t.kind === "jump") {
        const target = cr.jump;
        if (!target) {
          results.push(giveUp(w, f.where, cr, s, "undefined-chain", `${at(f, cr)} jumps to ${t.chain}, which does not exist`));
          break;
        }
        if (!ct.acyclic && onStack(th.frames, t.chain)) {
          results.push(giveUp(w, f.where, cr, s, "chain-loop", `chain loop: ${at(f, cr)} ${t.goto ? "goes to" : "jumps to"} ${t.chain}, which is already being traversed`));
          break;
        }
        if (t.goto) {
          th.frames[th.frames.length - 1] = frame(target, hook, hi, [...f.via, f.chain.name]);
        } else {
          if (th.frames.length >= MAX_DEPTH) {
            results.push(giveUp(w, f.where, cr, s, "chain-depth", `jumps nest deeper than ${MAX_DEPTH} chains at ${at(f, cr)}`));
            break;
          }
          th.frames.push(frame(target, hook, hi));
        }
        continue;
      }
      const r = applyTarget(f.where, cr, s, env);
      if (r.kind === "continue") {
        if (s.packet !== th.view.pkt) th.view = s.view();
      } else if (r.kind === "return") {
        th.frames.pop();
      } else if (r.kind === "end") {
        s.ended = r.end;
        results.push(s);
        break;
      }
    }
  }
};
