import { TERMINAL_EVENT_TYPES, type EventSink, type ExecutionEvent, type ExecutionRecord } from "../../engine/internal.js";

/** Why a watcher left its execution's hub: the end (or the caller went away), a failure, or it must follow alone. */
export type Outcome = { kind: "ended"; record: ExecutionRecord | undefined } | { kind: "failed"; error: unknown } | { kind: "gap" };

/** One watcher: the last sequence number its sink took, the hub it is in (if any), and whether its sink is full. */
export class Watcher {
  last: number;
  /** Its sink said it was full: the hub passes it by until it has caught up from the store (WatchFanOut's resume). */
  paused = false;
  #hub: Hub | undefined;
  #settle: ((outcome: Outcome) => void) | undefined;

  constructor(
    readonly sink: EventSink,
    afterSeq: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.last = afterSeq;
  }

  get hub(): Hub | undefined {
    return this.#hub;
  }

  /** Joins a hub; resolves when the watcher leaves it. */
  join(hub: Hub): Promise<Outcome> {
    this.#hub = hub;
    this.paused = false;
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

  /** Writes one event in order; false when the sink is full. A sink that throws fails this watch only. */
  take(event: ExecutionEvent): boolean {
    this.last = event.seq;
    try {
      return this.sink.write(event) || TERMINAL_EVENT_TYPES.has(event.type);
    } catch (error) {
      this.leave({ kind: "failed", error });
      return true;
    }
  }

  /** An event from the hub: skipped when already taken (a watcher may join one event ahead) or while paused. */
  offer(event: ExecutionEvent, onFull: (watcher: Watcher) => void): void {
    if (this.paused || event.seq <= this.last) return;
    if (event.seq !== this.last + 1) return this.leave({ kind: "gap" });
    if (this.take(event) || this.#hub === undefined) return;
    this.paused = true;
    onFull(this);
  }
}

/** One follower of an execution for all its watchers in step with it: each event is handed to every member in one loop. */
export class Hub implements EventSink {
  readonly members = new Set<Watcher>();
  readonly stop = new AbortController();
  last: number;
  ended = false;

  constructor(
    at: number,
    private readonly onClose: () => void,
    private readonly onFull: (watcher: Watcher) => void,
  ) {
    this.last = at;
  }

  write(event: ExecutionEvent): boolean {
    this.last = event.seq;
    if (TERMINAL_EVENT_TYPES.has(event.type)) this.ended = true;
    for (const member of this.members) member.offer(event, this.onFull);
    // Never full: a member that is gets passed by and catches up from the store.
    return true;
  }

  onDrain(): void {}

  /** The follower is done: members that have everything end with it, those still behind follow alone to the end. */
  end(outcome: Outcome): void {
    this.ended = true;
    this.onClose();
    for (const member of this.members) member.leave(outcome.kind === "ended" && member.last < this.last ? { kind: "gap" } : outcome);
  }

  remove(member: Watcher): void {
    this.members.delete(member);
    if (this.members.size > 0 || this.ended) return;
    this.ended = true;
    this.onClose();
    this.stop.abort("no watchers left");
  }
}
