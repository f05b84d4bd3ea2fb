import type { EventSink, ExecutionRecord } from "../../engine/internal.js";
import type { OperationDeps } from "./operation-deps.js";

/**
 * Follows an execution for one watcher of a gateway (the client's watch, with a sink that says when it is full): the
 * watcher is counted in the active watchers while it follows, and every pause of a full client is counted; resolves
 * with the final record. Watchers in step with the execution share one follower (watch-fan-out.ts).
 */
export async function followExecution(deps: Pick<OperationDeps, "fanOut" | "metrics">, gateway: string, executionId: string, afterSeq: number, sink: EventSink, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
  const counted: EventSink = {
    write: (event) => sink.write(event),
    onDrain: (resume) => {
      deps.metrics.watcherPauses.inc({ gateway });
      sink.onDrain(resume);
    },
  };
  deps.metrics.activeWatchers.inc({ gateway });
  try {
    return await deps.fanOut.follow(executionId, afterSeq, counted, signal);
  } finally {
    deps.metrics.activeWatchers.dec({ gateway });
  }
}
