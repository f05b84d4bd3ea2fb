import { setTimeout as sleep } from "node:timers/promises";
import { applyEvent, rebuildRecord, TERMINAL_STATUSES, type ExecutionClient, type ExecutionMode, type ExecutionRecord } from "../../engine/internal.js";
import { executionAnswer, statusMessage } from "./answers.js";
import type { RunContext } from "./run-context.js";
import type { ExecutionAnswer } from "./schemas.js";
import type { ServerPaths } from "./server-paths.js";
import { given } from "../../present.js";

/** A request sent with an idempotency key: the key, the fields that define the request, what a repeat answers too. */
export interface KeyedRequest {
  key: string;
  request: Record<string, unknown>;
  memo?: Record<string, unknown>;
}

/** How often a sync repeat looks again at an execution nobody runs yet (its node died and no node has adopted it). */
const ORPHAN_POLL_MS = 200;

/** The key of a method's arguments and everything else in them (the key itself excepted), or undefined without a key. */
export function keyedRequest(method: string, args: { idempotency_key?: string | undefined }, memo?: Record<string, unknown>): KeyedRequest | undefined {
  const { idempotency_key: key, ...fields } = args;
  if (key === undefined) return undefined;
  return { key, request: { method, ...fields }, ...given({ memo }) };
}

/**
 * What a request repeating an idempotency key is told: the execution the key started, as it is now; a sync caller
 * waits for its end (with progress, as for its own execution) unless it goes away first.
 */
export async function repeatAnswer(runtime: ExecutionClient, paths: ServerPaths, executionId: string, mode: ExecutionMode, ctx: RunContext): Promise<ExecutionAnswer> {
  let record = await runtime.status(executionId);
  if (mode === "sync" && record !== undefined) record = (await untilEnded(runtime, record, ctx)) ?? record;
  const repeat = "(an earlier request with this idempotency key started it)";
  if (record === undefined) return { execution_id: executionId, status: "not_found", message: `No execution with id ${executionId} ${repeat}` };
  const ended = TERMINAL_STATUSES.has(record.status);
  return executionAnswer(record, `${ended ? statusMessage(record, paths) : "Execution already running; follow it with check_execution_status or watch_execution"} ${repeat}`, paths);
}

async function untilEnded(runtime: ExecutionClient, start: ExecutionRecord, ctx: RunContext): Promise<ExecutionRecord | undefined> {
  const id = start.execution_id;
  let last = 0;
  // The record as the events tell it, for progress listeners: folded afresh, since the watch replays from the first event.
  const seen = rebuildRecord(start, []);
  let record: ExecutionRecord | undefined = start;
  while (record !== undefined && !TERMINAL_STATUSES.has(record.status) && ctx.signal?.aborted !== true) {
    record = await runtime.watch(id, last, (event) => {
      last = event.seq;
      ctx.onEvent?.(event, applyEvent(seen, event));
    }, ctx.signal);
    // Followed to its end, or it was orphaned before a node adopted it (the watch ends at once then): look again.
    if (record !== undefined && !TERMINAL_STATUSES.has(record.status)) await sleep(ORPHAN_POLL_MS, undefined, ctx.signal === undefined ? {} : { signal: ctx.signal }).catch(() => undefined);
  }
  return record;
}
