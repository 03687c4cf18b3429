/**
 * kube-proxy knowledge: chain kinds and names, the hashes in them, readers for the rules kube-proxy
 * writes, the service catalogue of a rule set, reading outcomes as services.
 */
export {
  ChainShortener,
  HASH_LENGTH,
  isServiceChain,
  kubeChainKind,
  parseServiceChain,
  serviceChainName,
  type KubeChainKind,
  type ServiceChainKind,
} from "./chains.js";
export {
  KUBE_PROTOCOLS,
  base32,
  endpointHash,
  isServicePortName,
  kubeHash,
  kubeProtocol,
  servicePortHash,
  servicePortName,
  type KubeProtocol,
  type ServicePortName,
} from "./names.js";
export {
  dnatDestination,
  hasAddrtypeLocal,
  hasModule,
  jumpTarget,
  matchWords,
  optionValue,
  ruleComment,
  ruleDport,
  ruleDstHost,
  ruleProto,
  statisticProbability,
  targetWords,
} from "./rules.js";
export { ladderOf, type Ladder, type LadderStep } from "./ladder.js";
export {
  buildCatalogue,
  endpointComment,
  frontendsFor,
  reachableEndpoints,
  type Catalogue,
  type Endpoint,
  type Entry,
  type Frontend,
  type FrontendRule,
  type ServiceChain,
  type ServiceFact,
  type ServicePort,
  type ServiceVia,
  type TrafficPolicy,
} from "./catalogue.js";
export { endpointOf, serviceOfTrace, type EndpointHit, type ServiceHit } from "./describe.js";
