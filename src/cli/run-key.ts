import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, IdempotencyKeys, type ExecutionRecord, type NodeEngine } from "../engine/internal.js";

/** `wfx run` claims its keys in a scope of its own: no gateway token can reach them, nor they a token's. */
const CLI_SCOPE = "cli";

/** What defines a `wfx run`: the same file, workflow, input, mode, timeout, environment and override. */
export interface RunKeyRequest {
  file: string;
  workflowName: string;
  input: unknown;
  mode: string;
  timeoutS: number | undefined;
  environment: string | undefined;
  configOverride: unknown;
  budget?: unknown;
}

export type RunKeyClaim = { executionId: string; existing: undefined; forget: () => Promise<void> } | { executionId: string; existing: ExecutionRecord };

/**
 * `--idempotency-key KEY`: the id to start the run with, or the execution an earlier run with that key started
 * (within a day, across processes: the claim is in the data dir). The same key with another run is refused.
 */
export async function claimRunKey(runtime: Pick<NodeEngine, "store" | "status">, key: string, request: RunKeyRequest): Promise<RunKeyClaim> {
  const keys = new IdempotencyKeys(runtime.store, { windowMs: DEFAULT_IDEMPOTENCY_WINDOW_MS, lookup: (id) => runtime.status(id) });
  const executionId = randomUUID();
  const claim = await keys.claim(CLI_SCOPE, key, { command: "run", ...request, file: resolve(request.file) }, executionId);
  if (claim === undefined) return { executionId, existing: undefined, forget: () => keys.forget(CLI_SCOPE, key) };
  // The claim is only returned once its execution is recorded.
  return { executionId: claim.execution_id, existing: (await runtime.status(claim.execution_id))! };
}
