import { WfxError } from "../errors.js";

/** Errors of the cluster layer: NATS connection and configuration, node discovery. */
export class ClusterError extends WfxError {
  override name = "ClusterError";
}
