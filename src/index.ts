/**
 * iptlens as a library: everything the CLI does is available here.
 *
 * @example
 * import { parseRuleset, printRuleset } from "iptlens";
 * const { value: ruleset, diagnostics } = parseRuleset(text, { file: "node-a.save" });
 * if (!diagnostics.some((d) => d.severity === "error")) process.stdout.write(printRuleset(ruleset));
 */
export { parseRuleset, detectFamily, unquote, type ParseOptions } from "./model/build.js";
export { printRuleset, printRule, printRuleSpec, printMatch, printTarget, chainsInSaveOrder, type PrintOptions } from "./model/print.js";
export { rulesetToJson, jsonReplacer, AST_SCHEMA_VERSION } from "./model/json.js";
export { validateRuleset, hooksReaching } from "./model/validate.js";
export * from "./model/ast.js";
export * from "./model/diagnostics.js";
export * from "./net/addr.js";
export * from "./net/packet.js";
export * from "./extensions/types.js";
export { matchExtensions, targetExtensions, findMatchExtension, findTargetExtension } from "./extensions/index.js";
export { VERSION } from "./version.js";
export {
  compile,
  evaluateSequential,
  makeNodeContext,
  makePacket,
  parseRoute,
  parseLocalAddress,
  isLocalAddress,
  routeLookup,
  formatRoute,
  mergeOutcomes,
  isPolicyStep,
  ORIGINS,
  DEFAULT_MAX_PATHS,
  type Engine,
  type CompileOptions,
  type NodeContext,
  type NodeContextInput,
  type PacketSpec,
  type Origin,
  type Outcome,
  type Evaluation,
  type EvaluateOptions,
  type TraceStep,
  type RuleStep,
  type PolicyStep,
  type Assumption,
  type NatEvent,
  type Decision,
  type NearMiss,
  type Delivery,
  type Verdict,
} from "./engine/index.js";
export { buildCatalogue, frontendsFor, serviceOfTrace, endpointOf, kubeChainKind, ChainShortener, type Catalogue, type ServicePort, type Frontend } from "./kube/index.js";
export {
  Explainer,
  renderText,
  ruleTargets,
  parsePacketFields,
  parseNodeOptions,
  parseAssumeRecent,
  parseAssume,
  assumeFunction,
  EXPLAIN_SCHEMA_VERSION,
  type ExplainJson,
  type ExplainOptions,
  type JsonOutcome,
} from "./explain/index.js";
