import { toErrorInfo } from "../errors.js";
import { CancelledError, ExecutionTimeoutError } from "./errors.js";
import type { ExecutionLauncher, LaunchRun } from "./execution-launcher.js";
import type { ExecutionRecorder } from "./recorder.js";
import type { ExecutionRecord } from "./types.js";
import type { Enqueue, QueuedPlace } from "./queue/enqueue.js";

export type { Enqueue, QueuedPlace } from "./queue/enqueue.js";

export interface QueuedLaunch {
  executionId: string;
  /** What to launch, made when it starts (a recovered execution's workflow is read then); throwing fails it. */
  run: () => LaunchRun;
  enqueue: Enqueue;
  /** Epoch ms by which it must have ended (a sync caller's timeout): reached while queued, it ends `timeout`. */
  deadlineMs?: number | undefined;
}

/**
 * Holds a recorded (queued) execution until the queue starts it: cancel ends it `cancelled` without it ever starting,
 * a sync caller's deadline passing ends it `timeout`, and once started its supervisor numbers events after the queued ones.
 */
export function holdQueued(recorder: ExecutionRecorder, launcher: ExecutionLauncher, queued: QueuedLaunch): QueuedPlace {
  const { executionId } = queued;
  let timer: NodeJS.Timeout | undefined;
  const launch = (): Promise<ExecutionRecord> => {
    launcher.unhold(executionId);
    clearTimeout(timer);
    const done = recorder.whenDone(executionId).catch(() => undefined as unknown as ExecutionRecord);
    if (!recorder.isLive(executionId)) return done;
    try {
      void launcher.launch({ ...queued.run(), afterSeq: recorder.lastSeq(executionId) });
    } catch (error) {
      recorder.finishIfRunning(executionId, "execution.failed", toErrorInfo(error), Date.now());
    }
    return done;
  };
  const { withdraw, position, reason } = queued.enqueue(launch);
  const end = (type: "execution.cancelled" | "execution.timeout", error: Error) => {
    if (!withdraw()) return;
    launcher.unhold(executionId);
    clearTimeout(timer);
    recorder.finishIfRunning(executionId, type, toErrorInfo(error), Date.now());
  };
  // Released to another node with room (the cluster's balancer): it leaves the line and this process, ended by neither.
  const release = () => {
    if (!withdraw()) return false;
    launcher.unhold(executionId);
    clearTimeout(timer);
    recorder.relinquish(executionId);
    return true;
  };
  launcher.hold(executionId, (reason) => end("execution.cancelled", new CancelledError(`${reason} (while queued)`)), release);
  if (queued.deadlineMs !== undefined) {
    const waitMs = Math.max(0, queued.deadlineMs - Date.now());
    timer = setTimeout(() => end("execution.timeout", new ExecutionTimeoutError(waitMs)), waitMs);
    timer.unref();
  }
  return { position, reason };
}
