export { CLUSTER_ERROR_CODES, ClusterError, NoFeasibleNodeError, type ClusterErrorCode } from "./errors.js";
export {
  DEFAULT_PREFERENCE_WEIGHT,
  place,
  type NodeStatus,
  type Pending,
  type PendingReason,
  type PlacementKind,
  type PlacementNode,
  type PlacementRequest,
  type PlacementResult,
} from "./placement.js";
