import { Admission, ExecutionQueue, type Runtime, type WorkflowSource } from "../../src/engine/internal.js";

/** One execution's ticket in the bench: its priority and the key it takes turns under. */
export interface BenchJob {
  priority: number;
  key: string;
}

/** What a drain of the queue measured: each job's enqueue-to-start time (ms, in start order) and the key it started under. */
export interface DrainResult {
  waitsMs: number[];
  /** The waits of the priority-9 jobs alone: how far ahead of the backlog priority puts them. */
  urgentWaitsMs: number[];
  startedKeys: string[];
  /** From the first enqueue to the last start. */
  spanMs: number;
}

/**
 * Ours: every job enqueued (recorded `queued` in the runtime's store) while `slots` are all held, then the slots freed
 * at once; each execution's `execution.started` is its start. The engine's real path: Runtime.start with the queue's
 * QueuedRequest, QueueOrder for the order, the launcher for the start.
 */
export async function drainOurs(runtime: Runtime, source: WorkflowSource, workflowName: string, jobs: readonly BenchJob[], slots: number): Promise<DrainResult> {
  const admission = new Admission(slots);
  const queue = new ExecutionQueue(admission, { maxQueued: jobs.length + 1 });
  const held = Array.from({ length: slots }, () => admission.tryAcquire()!);
  const waitsMs: number[] = [];
  const urgentWaitsMs: number[] = [];
  const startedKeys: string[] = [];
  const ends: Promise<unknown>[] = [];
  const first = performance.now();
  let last = first;
  jobs.forEach((job, i) => {
    const executionId = `bench-${i}-${process.hrtime.bigint()}`;
    const enqueuedAt = performance.now();
    const ticket = { priority: job.priority, key: job.key, turnKey: job.key, limits: [] };
    const started = runtime.start({
      source,
      workflowName,
      executionId,
      input: { value: i },
      mode: "async",
      queued: queue.queuedRequest(executionId, ticket),
      onEvent: (event) => {
        if (event.type !== "execution.started") return;
        last = performance.now();
        waitsMs.push(last - enqueuedAt);
        if (job.priority === 9) urgentWaitsMs.push(last - enqueuedAt);
        startedKeys.push(job.key);
      },
    });
    ends.push(started.done);
  });
  for (const release of held) release();
  await Promise.all(ends);
  return { waitsMs, urgentWaitsMs, startedKeys, spanMs: last - first };
}
