/**
 * The JSON form of a diff (documented by docs/schemas/diff.schema.json). A witness is a packet object
 * exactly as `explain --batch` reads it; outcomes are the engine's, as `explain` describes them.
 */
import type { Origin, PacketSpec } from "../engine/index.js";
import { formatAddr } from "../net/addr.js";
import { PROTO_NAMES } from "../net/packet.js";
import type { DiffResult, DiffSummary } from "./index.js";
import { jsonOutcome, type JsonOutcome } from "../explain/index.js";
import { buildCatalogue } from "../kube/index.js";
import type { Ruleset } from "../model/ast.js";

export const DIFF_SCHEMA_VERSION = 1;

export interface WitnessJson {
  readonly src: string;
  readonly dst: string;
  /** Protocol name (`tcp`, `udp`, `icmp`, …) or number. */
  readonly proto: string | number;
  readonly sport?: number;
  readonly dport?: number;
  readonly from: Origin;
  readonly inIface?: string;
}

export interface DifferenceJson {
  readonly origin: Origin;
  readonly service?: string;
  /** The packets concerned, as a predicate. */
  readonly region: string;
  readonly witness: WitnessJson;
  /** Outcomes as `explain --format json` prints them. */
  readonly before: readonly JsonOutcome[];
  readonly after: readonly JsonOutcome[];
  /** How many packet classes (uniform sub-regions) the entry merges. */
  readonly classes: number;
}

export interface DumpInfo {
  readonly file: string;
  readonly rules: number;
}

export interface DiffJson {
  readonly schemaVersion: typeof DIFF_SCHEMA_VERSION;
  readonly old: DumpInfo;
  readonly new: DumpInfo;
  readonly equivalent: boolean;
  readonly complete: boolean;
  readonly limitations: readonly string[];
  readonly summary: DiffSummary;
  readonly differences: readonly DifferenceJson[];
  readonly stats: DiffResult["stats"];
}

export function witnessJson(w: PacketSpec & { readonly from: Origin }): WitnessJson {
  return {
    src: formatAddr(w.src),
    dst: formatAddr(w.dst),
    proto: PROTO_NAMES[w.proto] ?? w.proto,
    ...(w.sport !== undefined ? { sport: w.sport } : {}),
    ...(w.dport !== undefined ? { dport: w.dport } : {}),
    from: w.from,
    ...(w.inIface !== undefined ? { inIface: w.inIface } : {}),
  };
}

/**
 * The JSON document of a diff. The rule sets are those compared: outcomes are described as `explain`
 * describes them (service and endpoint names from each rule set's kube-proxy catalogue).
 */
export function diffToJson(r: DiffResult, old: DumpInfo & { readonly ruleset: Ruleset }, neu: DumpInfo & { readonly ruleset: Ruleset }): DiffJson {
  const cats = r.differences.length ? [buildCatalogue(old.ruleset), buildCatalogue(neu.ruleset)] : [];
  return {
    schemaVersion: DIFF_SCHEMA_VERSION,
    old: { file: old.file, rules: old.rules },
    new: { file: neu.file, rules: neu.rules },
    equivalent: r.equivalent,
    complete: r.complete,
    limitations: r.limitations,
    summary: r.summary,
    differences: r.differences.map((d) => ({
      origin: d.origin,
      ...(d.service ? { service: d.service } : {}),
      region: d.predicate,
      witness: d.witness,
      before: d.before.map((o) => jsonOutcome(o, cats[0]!)),
      after: d.after.map((o) => jsonOutcome(o, cats[1]!)),
      classes: d.classes,
    })),
    stats: r.stats,
  };
}
