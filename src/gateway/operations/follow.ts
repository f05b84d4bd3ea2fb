import { ExecutionFollower, type EventSink, type ExecutionRecord } from "../../engine/index.js";
import type { OperationDeps } from "./operations.js";

/**
 * Follows an execution for one watcher of a gateway (see ExecutionFollower): the watcher is counted in the active
 * watchers while it follows, and every pause of a full client is counted; resolves with the final record.
 */
export async function followExecution(deps: Pick<OperationDeps, "runtime" | "metrics">, gateway: string, executionId: string, afterSeq: number, sink: EventSink, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
  const follower = new ExecutionFollower(deps.runtime, executionId, afterSeq, {
    write: (event) => sink.write(event),
    onDrain: (resume) => {
      deps.metrics.watcherPauses.inc({ gateway });
      sink.onDrain(resume);
    },
  });
  deps.metrics.activeWatchers.inc({ gateway });
  try {
    return await follower.run(signal);
  } finally {
    deps.metrics.activeWatchers.dec({ gateway });
  }
}
