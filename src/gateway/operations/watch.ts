import { executionNotFound, TERMINAL_EVENT_TYPES, type ExecutionEvent } from "../../engine/internal.js";
import { eventAnswer, statusMessage } from "./answers.js";
import type { Executions } from "./executions.js";
import { followExecution } from "./follow.js";
import type { CallContext, OperationDeps } from "./operation-deps.js";
import type { WatchExecutionAnswer, WatchExecutionArgs } from "./schemas.js";

/**
 * `watch_execution`: the events after `after_seq` if there are any, else the next ones as soon as they happen (events of
 * the same tick come together), else nothing once `wait` seconds pass. `done` says the caller has seen the end.
 */
export async function watchExecution(deps: OperationDeps, executions: Executions, args: WatchExecutionArgs, ctx: CallContext): Promise<WatchExecutionAnswer> {
  const record = await executions.status(args.execution_id, ctx.principal);
  if (!record) throw executionNotFound(args.execution_id);
  let events: ExecutionEvent[] = (await deps.client.events(args.execution_id, args.after_seq)).slice(0, args.max_events);
  if (events.length === 0 && !executions.isFinal(record) && args.wait > 0) {
    events = await nextEvents(deps, args, ctx);
  }
  // A record that has ended cannot change; only a running one is read again.
  const final = executions.isFinal(record) ? record : ((await executions.status(args.execution_id, ctx.principal)) ?? record);
  const lastSeq = events.at(-1)?.seq ?? args.after_seq;
  const done = events.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) || (executions.isFinal(final) && events.length === 0);
  return {
    execution_id: args.execution_id,
    status: final.status,
    events: events.map((e) => eventAnswer(e, deps.paths)),
    last_seq: lastSeq,
    done,
    message: done ? statusMessage(final, deps.paths) : events.length === 0 ? `no new events in ${args.wait}s; call again with after_seq ${lastSeq}` : `${events.length} event${events.length === 1 ? "" : "s"}; call again with after_seq ${lastSeq}`,
  };
}

async function nextEvents(deps: OperationDeps, args: WatchExecutionArgs, ctx: CallContext): Promise<ExecutionEvent[]> {
  // A wait holds a follower like a stream does: it counts among the caller's watches.
  const release = deps.watchers.acquire(ctx.principal);
  const events: ExecutionEvent[] = [];
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), args.wait * 1000);
  const onCallerGone = () => stop.abort();
  ctx.signal?.addEventListener("abort", onCallerGone, { once: true });
  let batching = false;
  const sink = {
    write(event: ExecutionEvent) {
      events.push(event);
      if (events.length >= args.max_events) stop.abort();
      else if (!batching) {
        batching = true;
        setImmediate(() => stop.abort());
      }
      return true;
    },
    onDrain() {},
  };
  try {
    await followExecution(deps, ctx.gateway, args.execution_id, args.after_seq, sink, stop.signal);
  } finally {
    release();
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onCallerGone);
  }
  return events;
}
