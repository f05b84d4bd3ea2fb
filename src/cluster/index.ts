export { Cluster } from "./cluster.js";
export { DEFAULT_CLUSTER_OPTIONS, defaultClusterNodeId, resolveClusterOptions, type ClusterOptions } from "./cluster-options.js";
export { ClusterError } from "./errors.js";
export { NatsClusterConnection, type ClusterReadiness } from "./nats-connection.js";
export { ClusterNodeRegistry } from "./node-registry.js";
export { atLeast, checkServerVersion, MIN_SERVER_VERSION } from "./server-version.js";
export { ServiceAnnouncement } from "./service-discovery.js";
export { SERVICE_NAME, SUBJECTS } from "./subjects.js";
