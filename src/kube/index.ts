/** kube-proxy knowledge: chain kinds and names, the service catalogue, reading outcomes as services. */
export { kubeChainKind, isServiceChain, ChainShortener, type KubeChainKind } from "./chains.js";
export {
  buildCatalogue,
  frontendsFor,
  ruleComment,
  servicePortName,
  type Catalogue,
  type Endpoint,
  type Frontend,
  type ServicePort,
  type ServicePortName,
  type ServiceVia,
} from "./catalogue.js";
export { endpointOf, serviceOfTrace, type EndpointHit, type ServiceHit } from "./describe.js";
