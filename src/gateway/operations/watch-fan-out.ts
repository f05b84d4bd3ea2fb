import { TERMINAL_EVENT_TYPES, type EventSink, type ExecutionClient, type ExecutionEvent, type ExecutionRecord } from "../../engine/internal.js";

/** Why a watcher left its execution's hub: the end (or the caller went away), a failure, or it must catch up alone. */
type Outcome = { kind: "ended"; record: ExecutionRecord | undefined } | { kind: "failed"; error: unknown } | { kind: "full" } | { kind: "gap" };

/** One watcher: the last sequence number its sink took, and the hub it is in (if any). */
class Watcher {
  last: number;
  #hub: Hub | undefined;
  #settle: ((outcome: Outcome) => void) | undefined;

  constructor(
    readonly sink: EventSink,
    afterSeq: number,
  ) {
    this.last = afterSeq;
  }

  /** Joins a hub; resolves when the watcher leaves it. */
  join(hub: Hub): Promise<Outcome> {
    this.#hub = hub;
    hub.members.add(this);
    return new Promise((resolve) => (this.#settle = resolve));
  }

  leave(outcome: Outcome): void {
    const hub = this.#hub;
    const settle = this.#settle;
    this.#hub = this.#settle = undefined;
    hub?.remove(this);
    settle?.(outcome);
  }

  /** An event from the hub: skipped when already taken (a watcher may join one event ahead), left on a gap or when full. */
  offer(event: ExecutionEvent): void {
    if (event.seq <= this.last) return;
    if (event.seq !== this.last + 1) return this.leave({ kind: "gap" });
    this.last = event.seq;
    let ok: boolean;
    try {
      ok = this.sink.write(event);
    } catch (error) {
      // One broken sink fails its own watch, not the hub's loop over the others.
      return this.leave({ kind: "failed", error });
    }
    if (!ok && !TERMINAL_EVENT_TYPES.has(event.type)) this.leave({ kind: "full" });
  }
}

/** One follower of an execution for all its watchers in step with it: each event is handed to every member in one loop. */
class Hub implements EventSink {
  readonly members = new Set<Watcher>();
  readonly stop = new AbortController();
  last: number;
  ended = false;

  constructor(
    at: number,
    private readonly onClose: () => void,
  ) {
    this.last = at;
  }

  write(event: ExecutionEvent): boolean {
    this.last = event.seq;
    if (TERMINAL_EVENT_TYPES.has(event.type)) this.ended = true;
    for (const member of this.members) member.offer(event);
    // Never full: a member that is leaves and catches up from the store on its own.
    return true;
  }

  onDrain(): void {}

  end(outcome: Outcome): void {
    this.ended = true;
    this.onClose();
    for (const member of this.members) member.leave(outcome);
  }

  remove(member: Watcher): void {
    this.members.delete(member);
    if (this.members.size > 0 || this.ended) return;
    this.ended = true;
    this.onClose();
    this.stop.abort();
  }
}

/**
 * Watches of one node's gateways, fanned out: the watchers of an execution that are in step with it share one follower
 * (one live listener, one store poll), which writes each event to every sink in one loop, so the sinks see the same
 * event object and can share its encoding. A watcher that is behind (it asked for older events) or ahead follows alone
 * until it reaches the hub's position, then joins; a member whose sink is full leaves, waits for it to drain and
 * catches up from the store alone, as every watcher did before: nobody is dropped and nothing is queued here.
 */
export class WatchFanOut {
  readonly #client: Pick<ExecutionClient, "watch">;
  readonly #hubs = new Map<string, Hub>();

  constructor(client: Pick<ExecutionClient, "watch">) {
    this.#client = client;
  }

  /** As ExecutionClient.watch with a sink: resolves with the final record once the terminal event was written; undefined when stopped. */
  async follow(executionId: string, afterSeq: number, sink: EventSink, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
    const watcher = new Watcher(sink, afterSeq);
    const onAbort = () => watcher.leave({ kind: "ended", record: undefined });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (signal?.aborted !== true) {
        const hub = this.#hubAt(executionId, watcher.last);
        const outcome = await (hub === undefined ? this.#alone(executionId, watcher, signal) : watcher.join(hub));
        if (outcome.kind === "ended") return outcome.record;
        if (outcome.kind === "failed") throw outcome.error;
        if (outcome.kind === "full" && !(await drained(sink, signal))) return undefined;
      }
      return undefined;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The hub a watcher at `last` can join: a new one when the execution has none, undefined when it is out of step. */
  #hubAt(executionId: string, last: number): Hub | undefined {
    const hub = this.#hubs.get(executionId);
    if (hub === undefined) return this.#open(executionId, last);
    return !hub.ended && (last === hub.last || last === hub.last + 1) ? hub : undefined;
  }

  #open(executionId: string, at: number): Hub {
    const hub: Hub = new Hub(at, () => this.#hubs.get(executionId) === hub && this.#hubs.delete(executionId));
    this.#hubs.set(executionId, hub);
    this.#client.watch(executionId, at, hub, hub.stop.signal).then(
      (record) => hub.end({ kind: "ended", record }),
      (error: unknown) => hub.end({ kind: "failed", error }),
    );
    return hub;
  }

  /** Follows alone (replay, or catching up after a pause) until in step with the hub, then joins it from the sink's write. */
  async #alone(executionId: string, watcher: Watcher, signal: AbortSignal | undefined): Promise<Outcome> {
    const own = new AbortController();
    const onAbort = () => own.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let joined: Promise<Outcome> | undefined;
    const sink: EventSink = {
      write: (event) => {
        watcher.last = event.seq;
        const ok = watcher.sink.write(event);
        const hub = ok && !TERMINAL_EVENT_TYPES.has(event.type) ? this.#hubAt(executionId, watcher.last) : undefined;
        if (hub !== undefined) {
          joined = watcher.join(hub);
          own.abort();
        }
        return ok;
      },
      onDrain: (resume) => watcher.sink.onDrain(resume),
    };
    try {
      const record = await this.#client.watch(executionId, watcher.last, sink, own.signal).catch((error: unknown) => {
        if (joined === undefined) throw error;
        return undefined;
      });
      return joined ?? { kind: "ended", record: signal?.aborted === true ? undefined : record };
    } catch (error) {
      return { kind: "failed", error };
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** Resolves true once the sink has room again, false if the watch is stopped first. */
function drained(sink: EventSink, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal?.addEventListener("abort", onAbort, { once: true });
    sink.onDrain(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    });
  });
}
