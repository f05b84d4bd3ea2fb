import { resolveClusterTrust, type ClusterTrust } from "../cluster/trust/cluster-key.js";

export { generateClusterKey } from "../cluster/trust/cluster-key.js";

/** `--cluster-key-file FILE` and `--insecure-cluster` as a command was given them; resolved only when it reaches NATS. */
export interface ClusterKeyFlags {
  keyFile?: string;
  insecure?: boolean;
}

export function clusterKeyFlagsOf(values: Record<string, unknown>): ClusterKeyFlags {
  const keyFile = values["cluster-key-file"];
  return { ...(typeof keyFile === "string" ? { keyFile } : {}), ...(values["insecure-cluster"] === true ? { insecure: true } : {}) };
}

/** The cluster key from those flags, else WFX_CLUSTER_KEYS / WFX_CLUSTER_KEY; none refuses with WFX_CLUSTER_KEY_MISSING. */
export function clusterTrustOf(flags: ClusterKeyFlags = {}, env: Record<string, string | undefined> = process.env): ClusterTrust {
  return resolveClusterTrust({ keyFile: flags.keyFile, insecure: flags.insecure, env });
}
