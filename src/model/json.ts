/**
 * JSON form of the AST (`iptlens parse --format json`). Addresses become their iptables text
 * (`10.0.0.0/8`, `fd00::1`), bigints strings; everything else is the AST as typed.
 * Bump SCHEMA_VERSION on any incompatible change.
 */
import { formatAddr, formatNet, type IpAddr, type IpNet } from "../net/addr.js";
import type { Ruleset } from "./ast.js";

export const AST_SCHEMA_VERSION = 1;

function isNet(v: unknown): v is IpNet {
  return typeof v === "object" && v !== null && "mask" in v && "addr" in v && typeof (v as IpNet).addr === "bigint";
}
function isAddr(v: unknown): v is IpAddr {
  return typeof v === "object" && v !== null && "family" in v && typeof (v as IpAddr).value === "bigint";
}

/** A JSON.stringify replacer that turns addresses into text and drops nothing else. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (isNet(v)) return formatNet(v);
  if (isAddr(v)) return formatAddr(v);
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Set) return [...v];
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}

export function rulesetToJson(rs: Ruleset): unknown {
  return JSON.parse(JSON.stringify({ schemaVersion: AST_SCHEMA_VERSION, ruleset: rs }, jsonReplacer));
}
