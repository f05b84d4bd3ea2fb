import type { Logger } from "../../observability/index.js";
import type { RejectReason } from "./cluster-seal.js";

/** At most one log line per reason in this period: a flood of forgeries must not flood the log too. */
const LOG_EVERY_MS = 10_000;

/** Counts the cluster messages and records a node refused, by reason (`wfx_cluster_rejected_total`), and logs them sparingly. */
export class ClusterRejections {
  readonly #counts = new Map<RejectReason, number>();
  readonly #loggedAtMs = new Map<RejectReason, number>();
  readonly #suppressed = new Map<RejectReason, number>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  count(reason: RejectReason, subject: string, keyId?: string): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    const now = Date.now();
    if (now - (this.#loggedAtMs.get(reason) ?? 0) < LOG_EVERY_MS) {
      this.#suppressed.set(reason, (this.#suppressed.get(reason) ?? 0) + 1);
      return;
    }
    this.#loggedAtMs.set(reason, now);
    const alsoRefused = this.#suppressed.get(reason) ?? 0;
    this.#suppressed.delete(reason);
    this.#logger.warn({ reason, subject, ...(keyId === undefined ? {} : { key_id: keyId }), ...(alsoRefused > 0 ? { also_refused: alsoRefused } : {}) }, "refused a cluster message that failed its authentication check; not acted on");
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
