import { WfxError } from "../errors.js";
import type { Pending } from "./placement.js";

/** Every code the cluster layer raises, with what it means; docs/errors.md lists them and a test checks it. */
export const CLUSTER_ERROR_CODES = {
  WFX_CLUSTER_CONFIG: "a cluster setting is wrong: no NATS server given, a URL that is not one, a non-positive heartbeat",
  WFX_NATS_SERVER_TOO_OLD: "the NATS server is older than 2.9.0, which the cluster layer needs (JetStream KV with compare-and-set)",
  WFX_CLUSTER_KEY_MISSING: "a node (or a CLI command speaking to the cluster) has no cluster key, so it does not join: set WFX_CLUSTER_KEY (or --cluster-key-file), the same on every node; --insecure-cluster joins without one",
  WFX_CLUSTER_KEY_INVALID: "the cluster key given is too short (under 32 characters) or its file cannot be read",
  WFX_CLUSTER_STORE_TAMPERED: "a record, event or claim in the cluster store failed its authentication check (written without the cluster key, or altered); it is not served",
  WFX_CLUSTER_STORE_UNAVAILABLE: "the cluster store (JetStream) is not open yet, because NATS has not been reached since the node started",
  WFX_EXECUTION_ORDER_TOO_LARGE: "an execution placed on another node is larger, as JSON, than a NATS message may carry; nothing is truncated, the execution fails",
  WFX_NODE_UNREACHABLE: "the node an execution was placed on (or runs on) did not answer over NATS; the execution is placed again, or its owner's death is waited for",
  WFX_NODE_FULL: "the node a step was placed on had, by the time the step reached it, no free step slot or not enough of a resource the step reserves (the placer's view was a beat behind); the step is placed again",
  WFX_NODE_ID_TAKEN: "another running process answers to this node id on the cluster; a node id that is up cannot be taken (one that is down can)",
  WFX_NO_FEASIBLE_NODE: "no node could take an execution or step within the placement timeout; the message says which tags or resources nobody offers, or which nodes fit but stayed full",
} as const;

export type ClusterErrorCode = keyof typeof CLUSTER_ERROR_CODES;

/** Base of the errors the cluster layer raises. */
export class ClusterError extends WfxError {
  override name = "ClusterError";
  declare readonly code: ClusterErrorCode;
  constructor(code: ClusterErrorCode, message: string, options: { hint?: string; cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
  }
}

const PENDING_HINTS: Record<Pending["reason"], string> = {
  no_nodes: "start a worker node (a profile like nodes/worker.yaml) on the same NATS cluster",
  unmatched: "start a node whose profile offers what is missing, or change the placement's tags, resources or target_instance",
  busy: "raise the fitting nodes' capacity, add nodes like them, or raise placement_timeout_s",
};

/** What the wait for a node ended with: the last reason it was pending, after `waitedS` seconds. */
export class NoFeasibleNodeError extends ClusterError {
  override name = "NoFeasibleNodeError";
  readonly pending: Pending;

  constructor(what: string, pending: Pending, waitedS: number) {
    super("WFX_NO_FEASIBLE_NODE", `no node could run ${what} within ${waitedS} s: ${pending.message}`, { hint: PENDING_HINTS[pending.reason] });
    this.pending = pending;
  }
}
