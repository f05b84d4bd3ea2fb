import { TERMINAL_EVENT_TYPES, type EventSink, type ExecutionClient, type ExecutionRecord } from "../../engine/internal.js";
import { Hub, Watcher, type Outcome } from "./fan-out-hub.js";

/** The reason a watcher's own follower is stopped with: given, so that no DOMException (and its stack) is built per stop. */
const JOINED = "stopped: joined the execution's hub, or the watch ended";

/**
 * Watches of one node's gateways, fanned out: the watchers of an execution that are in step with it share one follower
 * (one live listener, one store poll), which writes each event to every sink in one loop, so the sinks see the same
 * event object and share its encoding. A watcher that is behind (it asked for older events) or ahead follows alone
 * until it reaches the hub's position, then joins. A member whose sink is full is passed by; once drained it catches
 * up from the store and is in step again: nobody is dropped and nothing is queued here.
 */
export class WatchFanOut {
  readonly #client: Pick<ExecutionClient, "watch" | "events">;
  readonly #hubs = new Map<string, Hub>();

  constructor(client: Pick<ExecutionClient, "watch" | "events">) {
    this.#client = client;
  }

  /** As ExecutionClient.watch with a sink: resolves with the final record once the terminal event was written; undefined when stopped. */
  async follow(executionId: string, afterSeq: number, sink: EventSink, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
    const watcher = new Watcher(sink, afterSeq, signal);
    const onAbort = () => watcher.leave({ kind: "ended", record: undefined });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // After a gap (behind when the hub ended, or the store short of it) it follows alone, joining a hub only if in step.
      let alone = false;
      while (signal?.aborted !== true) {
        const hub = alone ? undefined : this.#hubAt(executionId, watcher.last);
        const outcome = await (hub === undefined ? this.#alone(executionId, watcher) : watcher.join(hub));
        if (outcome.kind === "ended") return outcome.record;
        if (outcome.kind === "failed") throw outcome.error;
        alone = true;
      }
      return undefined;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The hub a watcher at `last` can join: a new one when the execution has none, undefined when it is out of step. */
  #hubAt(executionId: string, last: number): Hub | undefined {
    return this.#hubs.has(executionId) ? this.#inStep(executionId, last) : this.#open(executionId, last);
  }

  /** The execution's hub if a watcher at `last` is in step with it (the hub may be one event behind it). */
  #inStep(executionId: string, last: number): Hub | undefined {
    const hub = this.#hubs.get(executionId);
    return hub !== undefined && !hub.ended && (last === hub.last || last === hub.last + 1) ? hub : undefined;
  }

  #open(executionId: string, at: number): Hub {
    const hub: Hub = new Hub(
      at,
      () => this.#hubs.get(executionId) === hub && this.#hubs.delete(executionId),
      (watcher) => void this.#resume(executionId, hub, watcher),
    );
    this.#hubs.set(executionId, hub);
    this.#client.watch(executionId, at, hub, hub.stop.signal).then(
      (record) => hub.end({ kind: "ended", record }),
      (error: unknown) => hub.end({ kind: "failed", error }),
    );
    return hub;
  }

  /**
   * A member whose sink was full, once drained: what it missed is read from the store (as a paused follower does) until
   * it is in step again. Should the store not have what the hub delivered yet, it follows alone, which waits for it.
   */
  async #resume(executionId: string, hub: Hub, watcher: Watcher): Promise<void> {
    const current = () => watcher.hub === hub;
    try {
      let room = await drained(watcher.sink, watcher.signal);
      while (room && current()) {
        const from = watcher.last;
        let full = false;
        for (const event of await this.#client.events(executionId, from)) {
          if (!current() || event.seq !== watcher.last + 1) break;
          if (!(full = !watcher.take(event))) continue;
          break;
        }
        if (!current()) return;
        if (full) room = await drained(watcher.sink, watcher.signal);
        else if (watcher.last >= hub.last) {
          // In step: the hub's next event is its next.
          watcher.paused = false;
          return;
        } else if (watcher.last === from) return watcher.leave({ kind: "gap" });
        // Otherwise more arrived while it read: read again.
      }
    } catch (error) {
      watcher.leave({ kind: "failed", error });
    }
  }

  /** Follows alone (replay, or after a gap) until in step with the execution's hub, if it has one, then joins it from the sink's write. */
  async #alone(executionId: string, watcher: Watcher): Promise<Outcome> {
    const own = new AbortController();
    const onAbort = () => own.abort(JOINED);
    watcher.signal?.addEventListener("abort", onAbort, { once: true });
    let joined: Promise<Outcome> | undefined;
    const sink: EventSink = {
      write: (event) => {
        watcher.last = event.seq;
        const ok = watcher.sink.write(event);
        const hub = ok && !TERMINAL_EVENT_TYPES.has(event.type) ? this.#inStep(executionId, watcher.last) : undefined;
        if (hub !== undefined) {
          joined = watcher.join(hub);
          own.abort(JOINED);
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
      return joined ?? { kind: "ended", record: watcher.signal?.aborted === true ? undefined : record };
    } catch (error) {
      return { kind: "failed", error };
    } finally {
      watcher.signal?.removeEventListener("abort", onAbort);
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
