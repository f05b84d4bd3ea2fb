import type { Logger } from "../../observability/index.js";
import type { RejectReason } from "./cluster-seal.js";
import { SparseLog } from "./sparse-log.js";
import { given } from "../../present.js";

/**
 * Counts the cluster messages and records a node refused because they failed the cluster key's check, by reason
 * (`wfx_cluster_rejected_total`), and logs them sparingly; logs, sparingly too, authentic messages it could not decode.
 */
export class ClusterRejections {
  readonly #counts = new Map<RejectReason, number>();
  readonly #log: SparseLog<RejectReason | "undecodable">;

  constructor(logger: Logger, now?: () => number) {
    this.#log = new SparseLog(logger, now);
  }

  count(reason: RejectReason, subject: string, keyId?: string): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    this.#log.warn(reason, { reason, subject, ...given({ key_id: keyId }) }, "refused a cluster message that failed its authentication check; not acted on");
  }

  /** An authentic message whose body this node cannot decode (garbled, or framed by another version): dropped. */
  undecodable(subject: string, error: unknown): void {
    const why = error instanceof Error ? error.message : String(error);
    this.#log.warn("undecodable", { subject, error: why }, "dropped an authentic cluster message this node could not decode; a node of another version, or a bug in the sender");
  }

  /** Every reason counted so far, with its count. */
  counts(): ReadonlyMap<RejectReason, number> {
    return this.#counts;
  }

  total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }
}
