/** What a series is labelled when its value was not configured by the operator. */
export const OTHER_LABEL = "other";

/**
 * The label values one execution's metrics may carry. Only names the operator configured become labels: a caller's
 * string (an overridden model, an inline workflow's name) would add series without bound and show what it holds to
 * every read token, so anything else is `other`.
 */
export interface ExecutionLabels {
  /** The operator's workflow name, or `other` for a workflow a caller sent. */
  workflow: string;
  /** Model names the operator configured (node env, workflow files, prices): others count as `other`. */
  models: ReadonlySet<string>;
}

/** `value` when it is one of `known`, else `other`. */
export function knownLabel(value: string, known: ReadonlySet<string>): string {
  return known.has(value) ? value : OTHER_LABEL;
}

