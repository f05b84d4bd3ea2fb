export { Cluster } from "./cluster.js";
export { DEFAULT_CLUSTER_OPTIONS, defaultClusterNodeId, resolveClusterOptions, type ClusterOptions } from "./cluster-options.js";
export { NatsClusterConnection, type ClusterReadiness } from "./nats-connection.js";
export { ClusterNodeRegistry } from "./node-registry.js";
export { atLeast, checkServerVersion, MIN_SERVER_VERSION } from "./server-version.js";
export { ServiceAnnouncement } from "./service-discovery.js";
export { actorSubject, cancelSubject, drainSubject, undrainSubject, SERVICE_NAME, startSubject, SUBJECTS } from "./subjects.js";
export { CLUSTER_ERROR_CODES, ClusterError, NoFeasibleNodeError, type ClusterErrorCode } from "./errors.js";
export {
  DEFAULT_PREFERENCE_WEIGHT,
  place,
  placementFor,
  type PlacementPrincipal,
  type RequestedPlacement,
  type NodeStatus,
  type Pending,
  type PendingReason,
  type PlacementKind,
  type PlacementNode,
  type PlacementRequest,
  type PlacementResult,
} from "./placement.js";
export { ActorLinks } from "./actor-links.js";
export { NatsTransport, receiveActorMessages } from "./nats-transport.js";
export { clusterKeyOf, generateClusterKey, resolveClusterTrust, type ClusterKey, type ClusterTrust } from "./trust/cluster-key.js";
export { ClusterSeal, InsecureSeal, SealRejected, sealFor, FRESHNESS_MS, type RejectReason, type Seal } from "./trust/cluster-seal.js";
export { ClusterRejections } from "./trust/rejections.js";
export { ClusterWire, type WireMessage } from "./trust/cluster-wire.js";
export { StepSlots, type Release, type StepSlotsView } from "./step-slots.js";
export { placementNodeOf } from "./placement-node.js";
