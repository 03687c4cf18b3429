/**
 * Lint configuration: `.iptlens.json` (or `--config FILE`) and `--rule ID=LEVEL` flags.
 *
 * ```json
 * { "rules": { "unused-chain": "off", "shadowed-rule": "error" }, "failOn": "warning", "nodeIps": ["192.168.49.2"] }
 * ```
 * Flags win over the file.
 */
import { parseAddr, type IpAddr } from "../net/addr.js";
import type { Severity } from "../model/diagnostics.js";
import { isRuleId } from "./registry.js";
import type { Level, RuleId } from "./types.js";

export class ConfigError extends Error {}

export interface LintConfig {
  readonly levels: Partial<Record<RuleId, Level>>;
  readonly failOn?: Severity;
  readonly nodeIps?: readonly IpAddr[];
}

const LEVELS: readonly Level[] = ["off", "info", "warning", "error"];
const SEVERITIES: readonly Severity[] = ["info", "warning", "error"];

export function parseLevel(text: string, what: string): Level {
  if ((LEVELS as readonly string[]).includes(text)) return text as Level;
  throw new ConfigError(`${what}: level must be off, info, warning or error, not '${text}'`);
}

export function parseSeverity(text: string, what: string): Severity {
  if ((SEVERITIES as readonly string[]).includes(text)) return text as Severity;
  throw new ConfigError(`${what} must be error, warning or info, not '${text}'`);
}

function ruleId(text: string, what: string): RuleId {
  if (isRuleId(text)) return text;
  throw new ConfigError(`${what}: no lint rule '${text}' (see iptlens lint --list-rules)`);
}

/** `ID=LEVEL` as given to `--rule`. */
export function parseRuleFlag(text: string): [RuleId, Level] {
  const eq = text.indexOf("=");
  if (eq < 0) throw new ConfigError(`--rule ${text}: expected ID=off|info|warning|error`);
  return [ruleId(text.slice(0, eq), `--rule ${text}`), parseLevel(text.slice(eq + 1), `--rule ${text}`)];
}

export function parseNodeIp(text: string, what: string): IpAddr {
  const a = parseAddr(text.trim());
  if (!a) throw new ConfigError(`${what}: '${text}' is not an IP address`);
  return a;
}

/** Parse the JSON config file text. */
export function parseConfig(text: string, source: string): LintConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${source}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!["rules", "failOn", "nodeIps", "$schema"].includes(k)) throw new ConfigError(`${source}: unknown key '${k}' (expected rules, failOn, nodeIps)`);
  const levels: Partial<Record<RuleId, Level>> = {};
  if (o.rules !== undefined) {
    if (typeof o.rules !== "object" || o.rules === null || Array.isArray(o.rules)) throw new ConfigError(`${source}: "rules" must be an object of rule id → level`);
    for (const [k, v] of Object.entries(o.rules)) {
      if (typeof v !== "string") throw new ConfigError(`${source}: rules.${k} must be a string level`);
      levels[ruleId(k, `${source}: rules`)] = parseLevel(v, `${source}: rules.${k}`);
    }
  }
  const failOn = o.failOn === undefined ? undefined : parseSeverity(String(o.failOn), `${source}: failOn`);
  let nodeIps: IpAddr[] | undefined;
  if (o.nodeIps !== undefined) {
    if (!Array.isArray(o.nodeIps)) throw new ConfigError(`${source}: "nodeIps" must be an array of addresses`);
    nodeIps = o.nodeIps.map((x) => parseNodeIp(String(x), `${source}: nodeIps`));
  }
  return { levels, ...(failOn ? { failOn } : {}), ...(nodeIps ? { nodeIps } : {}) };
}
