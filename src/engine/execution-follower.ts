import { EngineError } from "./errors.js";
import { runsElsewhere, type ExecutionLocator } from "./execution-locator.js";
import { rebuildRecord } from "./orphans.js";
import { TERMINAL_EVENT_TYPES, TERMINAL_STATUSES, type ExecutionEvent, type ExecutionRecord, type ExecutionStore } from "./types.js";

/** What a follower reads: records, live events of what runs here, the store, and where an execution runs. */
export interface FollowedEngine {
  status(executionId: string): Promise<ExecutionRecord | undefined>;
  /** Live events of an execution this process runs; undefined when it does not run it. */
  /** `onMoved`: the execution went on in another process (this one was fenced): follow it in the store from then on. */
  listenLive(executionId: string, listener: (event: ExecutionEvent) => void, onMoved?: () => void): (() => void) | undefined;
  readonly store: ExecutionStore;
  readonly locator: ExecutionLocator;
}

/** Where followed events go. `write` returns false when the consumer is full; `onDrain` is called once it has room again. */
export interface EventSink {
  write(event: ExecutionEvent): boolean;
  onDrain(resume: () => void): void;
}

export interface FollowStats {
  delivered: number;
  /** Times the sink said it was full; each pause is caught up from the store, never buffered here. */
  pauses: number;
  storeReads: number;
}

/** Events read from the store and kept for the next drain; the store has no ranged read, so this bounds re-reads. */
const WINDOW = 512;
/** How often an execution that another process on this machine runs (a CLI background run sharing the data dir) is re-read. */
const POLL_MS = 100;
/** The same, when the store fans events out live (a cluster store): the re-read only fills what fan-out dropped. */
const FANNED_OUT_POLL_MS = 1000;

export function executionNotFound(executionId: string): EngineError {
  return new EngineError("WFX_EXECUTION_NOT_FOUND", `no execution with id ${executionId}`, { hint: "ids come from execute_workflow; records older than the retention period are pruned" });
}

/**
 * Replays an execution's events after `afterSeq`, then follows it live until it ends. Live events go straight to the
 * sink; when the sink is full the follower stops taking them and, once drained, reads what it missed from the store.
 * So a slow consumer costs the node nothing but a sequence number, however many events it falls behind. An execution
 * that another live process runs is followed by re-reading the store until it ends.
 */
export class ExecutionFollower {
  readonly stats: FollowStats = { delivered: 0, pauses: 0, storeReads: 0 };
  readonly #engine: FollowedEngine;
  readonly #executionId: string;
  readonly #sink: EventSink;
  #last: number;
  #paused = false;
  #catchingUp = false;
  #behind = false;
  #finished = false;
  #unlisten: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #window: ExecutionEvent[] = [];
  #poll: NodeJS.Timeout | undefined;
  #finalRead = false;
  #sawEnd = false;
  #finish!: (record: ExecutionRecord | undefined) => void;
  #fail!: (error: unknown) => void;

  constructor(engine: FollowedEngine, executionId: string, afterSeq: number, sink: EventSink) {
    this.#engine = engine;
    this.#executionId = executionId;
    this.#last = afterSeq;
    this.#sink = sink;
  }

  /** Resolves with the final record once the terminal event was delivered (or at once for an ended execution); stops on abort. */
  run(signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
    const done = new Promise<ExecutionRecord | undefined>((resolve, reject) => {
      this.#finish = resolve;
      this.#fail = reject;
    });
    const onAbort = () => this.#end(undefined);
    if (signal?.aborted) return Promise.resolve(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
    void this.#start();
    return done.finally(() => signal?.removeEventListener("abort", onAbort));
  }

  async #start(): Promise<void> {
    try {
      const record = await this.#engine.status(this.#executionId);
      if (!record) throw executionNotFound(this.#executionId);
      this.#unlisten = this.#engine.listenLive(this.#executionId, (event) => this.#onLive(event), () => this.#movedAway());
      // Run by another process: its events reach this one live when the store fans them out.
      if (this.#unlisten === undefined && !TERMINAL_STATUSES.has(record.status)) this.#unsubscribe = this.#engine.store.subscribe?.(this.#executionId, (event) => this.#onLive(event));
      await this.#catchUp();
    } catch (error) {
      this.#stop();
      this.#fail(error);
    }
  }

  /** This process lost the execution to another (fenced): its events come from the store now, as another process's do. */
  #movedAway(): void {
    this.#unlisten = undefined;
    if (this.#finished) return;
    this.#unsubscribe ??= this.#engine.store.subscribe?.(this.#executionId, (event) => this.#onLive(event));
    this.#behind = true;
    void this.#catchUp();
  }

  #onLive(event: ExecutionEvent): void {
    if (this.#finished) return;
    if (!this.#paused && !this.#catchingUp && event.seq === this.#last + 1) {
      this.#deliver(event);
      return;
    }
    if (event.seq <= this.#last) return;
    this.#behind = true;
    if (!this.#paused && !this.#catchingUp) void this.#catchUp();
  }

  #deliver(event: ExecutionEvent): void {
    this.#last = event.seq;
    this.stats.delivered++;
    const ok = this.#sink.write(event);
    if (TERMINAL_EVENT_TYPES.has(event.type)) {
      this.#sawEnd = true;
      this.#end(undefined);
      return;
    }
    if (!ok) {
      this.#paused = true;
      this.stats.pauses++;
      this.#sink.onDrain(() => this.#onDrain());
    }
  }

  #onDrain(): void {
    if (this.#finished) return;
    this.#paused = false;
    if (this.#behind || this.#unlisten === undefined) void this.#catchUp();
  }

  async #catchUp(): Promise<void> {
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    try {
      do {
        this.#behind = false;
        let events = this.#window.length > 0 && this.#window[0]!.seq === this.#last + 1 ? this.#window : undefined;
        this.#window = [];
        // A window is only the start of what was missed: read the store again once it is delivered.
        if (events !== undefined) this.#behind = true;
        else {
          // No flush first: a read already sees this process's buffered writes, and an fsync per catch-up is waste.
          events = await this.#engine.store.getEvents(this.#executionId, this.#last);
          this.stats.storeReads++;
        }
        for (let i = 0; i < events.length; i++) {
          if (this.#finished) return;
          if (this.#paused) {
            this.#window = events.slice(i, i + WINDOW);
            this.#behind = true;
            return;
          }
          if (events[i]!.seq > this.#last) this.#deliver(events[i]!);
        }
      } while (this.#behind && !this.#paused && !this.#finished);
      if (!this.#finished && !this.#paused && this.#unlisten === undefined) await this.#notLiveHere();
    } catch (error) {
      this.#stop();
      this.#fail(error);
    } finally {
      this.#catchingUp = false;
    }
  }

  /** Caught up on an execution this process does not run: re-read it while its process lives, then once more at its end. */
  async #notLiveHere(): Promise<void> {
    const record = await this.#engine.status(this.#executionId);
    if (this.#finished) return;
    const ended = record === undefined || TERMINAL_STATUSES.has(record.status);
    const elsewhere = record !== undefined && this.#engine.locator.knownHere(this.#executionId) === undefined && runsElsewhere(this.#engine.locator.locateStored(record));
    if (!ended && elsewhere) {
      this.#poll = setTimeout(() => void this.#catchUp(), this.#unsubscribe === undefined ? POLL_MS : FANNED_OUT_POLL_MS);
      return;
    }
    // Its end may have been written after the last read: one more read delivers the terminal event if it is there.
    if (ended && !this.#finalRead) {
      this.#finalRead = true;
      this.#poll = setTimeout(() => void this.#catchUp(), 0);
      return;
    }
    this.#end(record);
  }

  #end(record: ExecutionRecord | undefined): void {
    if (this.#finished) return;
    this.#stop();
    if (record !== undefined) {
      this.#finish(record);
      return;
    }
    void this.#finalRecord().then(this.#finish, this.#fail);
  }

  /**
   * The record once its terminal event was delivered. Another process's final snapshot may land a moment after its
   * last event (a cluster store writes them apart): then the record is folded from its events, which end with it.
   */
  async #finalRecord(): Promise<ExecutionRecord | undefined> {
    const record = await this.#engine.status(this.#executionId);
    if (record === undefined || TERMINAL_STATUSES.has(record.status) || !this.#sawEnd) return record;
    return rebuildRecord(record, await this.#engine.store.getEvents(this.#executionId));
  }

  #stop(): void {
    this.#finished = true;
    clearTimeout(this.#poll);
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
