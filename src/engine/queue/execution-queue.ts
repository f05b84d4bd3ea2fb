import type { Admission } from "../admission.js";
import { QueueFullError, ShuttingDownError, TokenQueueFullError } from "../errors.js";
import type { QueuedRequest, ShownTicket } from "../execution-client.js";
import type { KeyLimit, QueuedBound } from "../types.js";
import { KeyCounts } from "./key-counts.js";
import { clusterKeyReason, type KeyPlaces } from "./key-places.js";
import { QueueOrder } from "./queue-order.js";

/** What an execution asks of the queue: its priority (0-9), the key it takes turns under, the limits it counts against. */
export interface QueueTicket {
  priority: number;
  key: string;
  limits: readonly KeyLimit[];
  /** At most this many executions under its key may wait at once (a token's max_queued); past it one is refused. */
  maxQueued?: QueuedBound | undefined;
}

/** A slot and key shares taken for one execution: `releaseSlot` gives back the node's slot alone (placed elsewhere). */
export interface Taken {
  releaseSlot(): void;
  release(): void;
}

interface Waiting extends QueueTicket {
  id: string;
  queuedAt: number;
  /** Starts it; the queue gives its slot and shares back when the returned promise settles. */
  start: () => Promise<unknown>;
}

export interface ExecutionQueueOptions {
  /** Waiting executions past which a new one is refused (WFX_QUEUE_FULL). */
  maxQueued: number;
  /** Places under keys shared cluster-wide (a cluster node's); without it keys are counted on this node alone. */
  keyPlaces?: KeyPlaces | undefined;
  now?: () => number;
}

/**
 * The node's waiting room: an execution with no free slot, or whose key is at its limit, waits here instead of being
 * refused, and starts in QueueOrder's order as slots free. It counts running executions per key (concurrency keys and
 * tokens' max_running alike); a queued execution holds no slot. Recording and launching are its callers'.
 */
export class ExecutionQueue {
  readonly #admission: Admission;
  readonly #order = new QueueOrder<Waiting>();
  readonly #running = new KeyCounts();
  /** Waiting executions per bound key (tokens' max_queued), counted as #running counts running ones per limit key. */
  readonly #waiting = new KeyCounts();
  readonly #maxQueued: number;
  readonly #now: () => number;
  #dispatching = false;
  readonly #roomListeners: (() => void)[] = [];
  readonly #keyPlaces: KeyPlaces | undefined;
  /** Waiting executions whose cluster-wide places are asked for: given back while this node has no slot for them. */
  readonly #asking = new Set<string>();

  constructor(admission: Admission, options: ExecutionQueueOptions) {
    this.#admission = admission;
    this.#maxQueued = options.maxQueued;
    this.#now = options.now ?? Date.now;
    admission.onFree(() => this.dispatch());
    this.#keyPlaces = options.keyPlaces;
    this.#keyPlaces?.onGranted(() => this.dispatch());
  }

  get size(): number {
    return this.#order.size;
  }

  /** Whether an execution could start here now: a slot free and the node not draining. */
  get hasRoom(): boolean {
    return !this.#admission.draining && this.#admission.running < this.#admission.capacity;
  }

  /** Told when a slot is free and nothing here waits for it (the cluster then looks for work queued elsewhere). */
  onRoom(listener: () => void): void {
    this.#roomListeners.push(listener);
  }

  get maxQueued(): number {
    return this.#maxQueued;
  }

  /** A slot and the ticket's key shares, now, if nothing holds it; undefined when it must wait. Throws while draining. */
  tryTake(ticket: QueueTicket): Taken | undefined {
    if (this.#admission.draining) throw new ShuttingDownError();
    if (this.#heldBy(ticket) !== undefined) return undefined;
    // Keys shared cluster-wide are asked for by the line: one with keys waits there a KV round trip (none without keys).
    if (shared(this.#keyPlaces, ticket).length > 0) return undefined;
    const releaseSlot = this.#admission.tryAcquire();
    return releaseSlot === undefined ? undefined : this.#takeKeys(undefined, ticket, releaseSlot);
  }

  /**
   * Puts an execution in line; `start` runs once a slot and its keys are free. Throws WFX_QUEUE_FULL at the bound
   * (`recovered`: one queued before a restart, which is let in whatever the bound). Answers its place and why it waits.
   */
  enqueue(id: string, ticket: QueueTicket, start: () => Promise<unknown>, options: { queuedAt?: number; recovered?: boolean } = {}): { position: number; reason: string } {
    if (this.#admission.draining && options.recovered !== true) throw new ShuttingDownError();
    if (options.recovered !== true && this.#order.size >= this.#maxQueued) throw new QueueFullError(this.#order.size, this.#maxQueued);
    const bound = ticket.maxQueued;
    if (options.recovered !== true && bound !== undefined && this.#waiting.of(bound.key) >= bound.limit) throw new TokenQueueFullError(bound.what, bound.limit);
    const position = this.#order.aheadOf(ticket.priority) + 1;
    this.#add({ ...ticket, id, queuedAt: options.queuedAt ?? this.#now(), start });
    // Its places are asked for by a dispatch, after its caller has recorded it queued.
    if (shared(this.#keyPlaces, ticket).length > 0) queueMicrotask(() => this.dispatch());
    return { position, reason: this.reasonFor(ticket) };
  }

  /** Takes a waiting execution out (cancelled, timed out); false when it no longer waits (it started, or never waited). */
  withdraw(id: string): boolean {
    const entry = this.#order.get(id);
    if (entry === undefined || !this.#order.remove(id)) return false;
    if (entry.maxQueued !== undefined) this.#waiting.remove(entry.maxQueued.key);
    this.#forget(id);
    return true;
  }

  positionOf(id: string): number | undefined {
    return this.#order.positionOf(id);
  }

  /** Which limit holds a ticket now, in words. */
  reasonFor(ticket: QueueTicket): string {
    // A full node holds everyone: it is named first; a key's limit is the reason only while slots are free.
    if (this.#admission.draining) return "node draining";
    if (this.#admission.running >= this.#admission.capacity) return `node at capacity ${this.#admission.running}/${this.#admission.capacity}`;
    const held = this.#heldBy(ticket);
    if (held === undefined) return shared(this.#keyPlaces, ticket).length > 0 ? clusterKeyReason(shared(this.#keyPlaces, ticket)) : "waiting for its turn";
    return held.kind === "concurrency" ? `${held.what} at its limit ${held.limit}` : `${held.what} at max_running ${held.limit}`;
  }

  /** Starts what may start, in order, while slots are free (a drained node keeps its queue for after its restart). */
  dispatch(): void {
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      while (this.#order.size > 0 && !this.#admission.draining && this.#admission.running < this.#admission.capacity) {
        // Taken in order: one ranked behind an ask still unanswered waits for that answer, so priority holds.
        let pending = false;
        const next = this.#order.take((entry) => {
          if (this.#heldBy(entry) !== undefined) return false;
          const placed = this.#placed(entry);
          if (placed === "pending") pending = true;
          return placed === true && !pending;
        });
        if (next === undefined) return;
        const releaseSlot = this.#admission.tryAcquire();
        if (releaseSlot === undefined) {
          this.#order.add(next);
          return;
        }
        if (next.maxQueued !== undefined) this.#waiting.remove(next.maxQueued.key);
        this.#asking.delete(next.id);
        const taken = this.#takeKeys(next.id, next, releaseSlot);
        let ended: Promise<unknown>;
        try {
          ended = next.start();
        } catch {
          ended = Promise.resolve();
        }
        void ended.finally(() => taken.release());
      }
    } finally {
      this.#dispatching = false;
      // Places asked for by a node with no slot for them would hold back nodes that have one: given back, asked again later.
      if (!this.hasRoom) for (const id of [...this.#asking]) this.#forget(id);
    }
    if (this.#order.size === 0 && this.hasRoom) for (const listener of this.#roomListeners) listener();
  }

  /** How a queued execution joins this queue: it starts it, and gives its slot and shares back when it ends. */
  queuedRequest(executionId: string, ticket: ShownTicket): QueuedRequest {
    const own: QueueTicket = { priority: ticket.priority, key: ticket.turnKey, limits: ticket.limits, maxQueued: ticket.maxQueued };
    return { ...ticket, enqueue: (launch) => ({ ...this.enqueue(executionId, own, launch), withdraw: () => this.withdraw(executionId) }) };
  }

  /** Queue depth per priority (index = priority), the oldest wait in seconds, and how many keys wait. */
  stats(): { depthByPriority: readonly number[]; oldestSeconds: number; keys: number } {
    let oldest = Infinity;
    for (const entry of this.#order.entries()) if (entry.queuedAt < oldest) oldest = entry.queuedAt;
    return { depthByPriority: this.#order.depthByPriority(), oldestSeconds: oldest === Infinity ? 0 : Math.max(0, (this.#now() - oldest) / 1000), keys: this.#order.keyCount() };
  }

  #add(entry: Waiting): void {
    this.#order.add(entry);
    if (entry.maxQueued !== undefined) this.#waiting.add(entry.maxQueued.key);
  }

  #heldBy(ticket: QueueTicket): KeyLimit | undefined {
    for (const limit of ticket.limits) if (this.#running.of(limit.key) >= limit.limit) return limit;
    return undefined;
  }

  /** Whether a waiting execution holds its cluster-wide places (asked for now, once, when it does not). */
  #placed(entry: Waiting): boolean | "pending" {
    const limits = shared(this.#keyPlaces, entry);
    if (limits.length === 0) return true;
    this.#asking.add(entry.id);
    const claim = this.#keyPlaces!.claim(entry.id, limits, entry.priority);
    return claim.held || (claim.pending ? "pending" : false);
  }

  #forget(id: string): void {
    if (this.#asking.delete(id)) this.#keyPlaces?.release(id);
  }

  /** `id`: a queued execution's, whose cluster-wide places go back with its keys (undefined: it never had any). */
  #takeKeys(id: string | undefined, ticket: QueueTicket, releaseSlot: () => void): Taken {
    for (const limit of ticket.limits) this.#running.add(limit.key);
    let slotBack = false;
    let keysBack = false;
    const giveSlot = () => {
      if (slotBack) return;
      slotBack = true;
      releaseSlot();
    };
    return {
      releaseSlot: giveSlot,
      release: () => {
        if (!keysBack) {
          keysBack = true;
          for (const limit of ticket.limits) this.#running.remove(limit.key);
          if (id !== undefined && shared(this.#keyPlaces, ticket).length > 0) this.#keyPlaces?.release(id);
        }
        // The slot last: giving it back dispatches, and the keys must be free by then.
        if (!slotBack) giveSlot();
        else this.dispatch();
      },
    };
  }
}

/**
 * The limits a ticket holds cluster-wide: concurrency keys (none without shared places: a standalone node counts them
 * itself). A token's max_running stays per node: an execution adopted after its node died resumes without retaking its
 * places, and the dead incarnation's places hold a token's every run back for a lease (see README, 'Not yet built').
 */
function shared(places: KeyPlaces | undefined, ticket: QueueTicket): readonly KeyLimit[] {
  return places === undefined || ticket.limits.length === 0 ? [] : ticket.limits.filter((l) => l.kind === "concurrency");
}
