/**
 * Reading an engine outcome the way a Kubernetes operator asks about it: which service port the packet
 * addressed (and through which frontend), which endpoint it reached.
 */
import type { IpAddr } from "../net/addr.js";
import { isPolicyStep, type Outcome, type TraceStep } from "../engine/index.js";
import { kubeChainKind } from "./chains.js";
import type { Catalogue, Frontend, ServiceVia } from "./catalogue.js";

export interface ServiceHit {
  /** `namespace/name:port`. */
  readonly name: string;
  readonly via: ServiceVia;
  /** The frontend's address (undefined for a node port). */
  readonly addr?: IpAddr;
  readonly proto: number;
  readonly port: number;
}

export interface EndpointHit {
  readonly addr: IpAddr;
  readonly port?: number;
  /** The KUBE-SEP chain that translated the packet. */
  readonly chain: string;
}

function hit(f: Frontend): ServiceHit {
  return { name: f.service, via: f.via, ...(f.addr ? { addr: f.addr } : {}), proto: f.proto, port: f.port };
}

/**
 * The service an outcome went to: the first matched rule along its trace that is a frontend (a
 * KUBE-SERVICES/KUBE-NODEPORTS rule jumping to a service chain, or a filter rule about a service
 * without endpoints or outside its source ranges).
 */
export function serviceOfTrace(cat: Catalogue, trace: readonly TraceStep[]): ServiceHit | undefined {
  for (const s of trace) {
    if (isPolicyStep(s)) continue;
    const f = cat.frontendByRule.get(`${s.table}/${s.chain}/${s.index}`);
    if (f) return hit(f);
  }
  // No frontend rule matched, but the path may still have entered a service's own chains.
  for (const s of trace) {
    if (isPolicyStep(s) || s.table !== "nat") continue;
    const name = cat.chainService.get(s.chain);
    const svc = name !== undefined ? cat.services.get(name) : undefined;
    const f = svc?.frontends[0];
    if (f) return hit(f);
  }
  return undefined;
}

/** The endpoint an outcome reached: the destination a KUBE-SEP chain's DNAT gave it. */
export function endpointOf(o: Outcome): EndpointHit | undefined {
  for (const n of o.nat)
    if (n.kind === "DNAT" && kubeChainKind(n.chain) === "sep") return { addr: n.after.dst, ...(n.after.dport !== undefined ? { port: n.after.dport } : {}), chain: n.chain };
  return undefined;
}
