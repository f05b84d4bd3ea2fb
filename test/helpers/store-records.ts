import { createRecord, type ExecutionRecord } from "../../src/engine/index.js";

/** Fixed, so a record built twice compares equal. */
const START_MS = 1_700_000_000_000;

/** A record as the engine writes it once its one step (`a`, on node n1) has started, with `overrides` on top. */
export function runningRecord(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  const created = createRecord({ executionId: id, workflowName: "wf", mode: "async", node: "n1", stepIds: ["a"], startMs: START_MS });
  return {
    ...created,
    status: "running",
    progress: { ...created.progress, current: ["a"], message: "Processing step 1 of 1" },
    steps: [{ id: "a", status: "running", attempts: 1, node: "n1" }],
    ...overrides,
  };
}
