import type { WorkflowFile } from "../config/index.js";
import type { WorkflowSource } from "./execution-client.js";
import type { ExecutionLauncher } from "./execution-launcher.js";
import { claimOrphan, lastSeqOf, rebuildRecord } from "./orphans.js";
import type { OriginRules } from "./origin-rules.js";
import { holdQueued, type Enqueue } from "./queued-launch.js";
import type { ExecutionRecorder } from "./recorder.js";
import type { RuntimeOptions } from "./runtime-options.js";
import { planFor } from "./services.js";
import type { ExecutionRecord, KeyLimit, QueuedBound } from "./types.js";
import { adoptedPath } from "./workflow-folders.js";
import { given } from "../present.js";

/** How the node puts a recovered execution back in its queue: its stored place (priority, key, arrival) and limits. */
export type Requeue = (record: ExecutionRecord, queue: { turnKey: string; limits: KeyLimit[]; maxQueued?: QueuedBound | undefined }) => Enqueue;

/**
 * Queued executions whose process died (a node restarted) go back in line, oldest first, claimed once across the
 * processes sharing the store like an orphan is; they are not adopted as orphans: none of them ever started.
 */
export async function recoverQueued(options: Readonly<RuntimeOptions>, recorder: ExecutionRecorder, launcher: ExecutionLauncher, rules: OriginRules, requeue: Requeue): Promise<string[]> {
  const waiting = (await options.store.listRecords({ status: "queued" })).filter((r) => !recorder.isLive(r.execution_id) && !options.ownerAlive(r));
  waiting.sort((a, b) => (a.queue?.queued_at ?? a.start_time * 1000) - (b.queue?.queued_at ?? b.start_time * 1000));
  const recovered: string[] = [];
  for (const stored of waiting) if (await takeUpQueued(options, recorder, launcher, rules, requeue, stored)) recovered.push(stored.execution_id);
  return recovered;
}

/**
 * Takes one queued execution into this node's line: claimed once across the processes sharing the store (its next
 * generation), rebuilt from its events, held here until the queue starts it. False when it does not fit here, another
 * process claimed it first, or it no longer waits.
 */
export async function takeUpQueued(options: Readonly<RuntimeOptions>, recorder: ExecutionRecorder, launcher: ExecutionLauncher, rules: OriginRules, requeue: Requeue, stored: ExecutionRecord): Promise<boolean> {
  // Only where it fits (its workflow's and request's placement), as an orphan is adopted; what this node queued fits it.
  if (stored.node !== options.nodeId && !options.mayAdopt(stored)) return false;
  const generation = await claimOrphan(options.store, stored, options.nodeId);
  if (generation === undefined) return false;
  const store = options.store;
  const events = await store.getEvents(stored.execution_id);
  const record = rebuildRecord(stored, events);
  if (record.status !== "queued" || record.resume === undefined) return false;
  record.pid = process.pid;
  record.node = options.nodeId;
  const spec = (record.resume = { ...record.resume, generation, owner_instance: options.instanceId });
  recorder.adopt(record, lastSeqOf(events));
  store.putRecord(record);
  const timeoutMs = spec.queue?.timeout_ms;
  holdQueued(recorder, launcher, {
    executionId: record.execution_id,
    enqueue: requeue(record, { turnKey: spec.queue?.turn_key ?? record.queue?.key ?? "", limits: spec.queue?.limits ?? [], maxQueued: spec.queue?.max_queued }),
    deadlineMs: record.execution_mode === "sync" ? spec.deadline_ms : undefined,
    run: () => {
      const path = spec.origin === "caller" ? spec.path : adoptedPath(spec.path, spec.path_in_folder, options.workflowFolders);
      const source: WorkflowSource = { file: JSON.parse(spec.file_json) as WorkflowFile, ...given({ path }), ...given({ origin: spec.origin }) };
      rules.check(source);
      const plan = planFor(source.file, record.workflow_name, source.path);
      const runMs = spec.deadline_ms !== undefined ? spec.deadline_ms - Date.now() : timeoutMs;
      if (spec.deadline_ms === undefined && timeoutMs !== undefined) spec.deadline_ms = Date.now() + timeoutMs;
      return { executionId: record.execution_id, source, deps: rules.depsFor(source.origin), plan, mode: record.execution_mode, input: record.input, timeoutMs: runMs, budget: spec.budget };
    },
  });
  return true;
}
