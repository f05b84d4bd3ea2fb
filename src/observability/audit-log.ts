import type { Logger } from "./logger.js";

export type AuditOutcome = "ok" | "error" | "unauthenticated" | "denied" | "busy" | "invalid";

/** One request as the audit log keeps it: who, what, which execution, and how it ended. */
export interface AuditEntry {
  gateway: string;
  /** The token id (`local` without tokens, `anonymous` when authentication failed). */
  principal: string;
  method: string;
  outcome: AuditOutcome;
  execution_id?: string;
  workflow_name?: string;
  /** The WFX code of an error, or the final status of a sync execution. */
  code?: string;
  status?: string;
  duration_ms: number;
  remote?: string;
}

/**
 * Writes every gateway request to a pino logger, one JSON line each (`"audit": true` tells them apart). The logger is
 * the audit log's own, at info: given the node's logger, WFX_LOG_LEVEL=warn would drop every successful call.
 */
export class AuditLog {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger.child({ audit: true });
  }

  record(entry: AuditEntry): void {
    if (entry.outcome === "ok") this.#logger.info(entry, "request");
    else this.#logger.warn(entry, "request");
  }

  /** Resolves once written entries have reached their destination (used at shutdown and by tests). */
  flush(): Promise<void> {
    return new Promise((resolve) => this.#logger.flush(() => resolve()));
  }
}
