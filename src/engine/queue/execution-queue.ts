import type { Admission } from "../admission.js";
import { QueueFullError, ShuttingDownError, TokenQueueFullError } from "../errors.js";
import type { QueuedRequest, ShownTicket } from "../execution-client.js";
import type { KeyLimit, QueuedBound } from "../types.js";
import { KeyCounts } from "./key-counts.js";
import { clusterKeyReason, type KeyPlaces } from "./key-places.js";
import { SharedPlaces } from "./shared-places.js";
import { QueueOrder } from "./queue-order.js";
import { once } from "../../once.js";

/** How long a start waits for the cluster's first answer on its places before it is recorded queued instead. */
const TAKE_WAIT_MS = 1000;

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
  /** Holds on starts (see holdStarts): while any is on, nothing starts and newcomers wait in line. */
  #holds = 0;
  readonly #roomListeners: (() => void)[] = [];
  readonly #noRoomListeners: ((id: string) => void)[] = [];
  readonly #shared: SharedPlaces;

  constructor(admission: Admission, options: ExecutionQueueOptions) {
    this.#admission = admission;
    this.#maxQueued = options.maxQueued;
    this.#now = options.now ?? Date.now;
    admission.onFree(() => this.dispatch());
    this.#shared = new SharedPlaces(options.keyPlaces, () => this.dispatch());
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

  /** Told when an execution joins the line for want of a slot here (the cluster then offers it to nodes with room). */
  onNoRoom(listener: (id: string) => void): void {
    this.#noRoomListeners.push(listener);
  }

  get maxQueued(): number {
    return this.#maxQueued;
  }

  /**
   * Starts nothing (newcomers wait in line) until the returned release: a restarted node first counts the executions it
   * resumes under their keys, then starts what waited, so neither jumps the other.
   */
  holdStarts(): () => void {
    this.#holds++;
    return once(() => {
      this.#holds--;
      this.dispatch();
    });
  }

  /** A slot and the ticket's key shares, now, if nothing holds it; undefined when it must wait. Throws while draining. */
  tryTake(ticket: QueueTicket): Taken | undefined {
    if (this.#admission.draining) throw new ShuttingDownError();
    if (this.#holds > 0) return undefined;
    if (this.#heldBy(ticket) !== undefined) return undefined;
    // Keys shared cluster-wide are asked for by the line: one with keys waits there a KV round trip (none without keys).
    if (this.#shared.of(ticket).length > 0) return undefined;
    const releaseSlot = this.#admission.tryAcquire();
    return releaseSlot === undefined ? undefined : this.#takeKeys(undefined, ticket, releaseSlot);
  }

  /**
   * `tryTake` for an execution whose ticket has cluster-wide limits too: with a slot free and nothing local holding it,
   * its places are asked for and the first answer awaited (one round trip), so one the cluster lets run starts running
   * instead of being recorded queued first. Undefined when it must wait.
   */
  async take(id: string, ticket: QueueTicket): Promise<Taken | undefined> {
    const limits = this.#shared.of(ticket);
    if (limits.length === 0) return this.tryTake(ticket);
    if (this.#admission.draining) throw new ShuttingDownError();
    if (this.#holds > 0 || !this.hasRoom || this.#heldBy(ticket) !== undefined) return undefined;
    const claim = await this.#shared.claimed(id, limits, ticket.priority, TAKE_WAIT_MS);
    const releaseSlot = claim.held ? this.#admission.tryAcquire() : undefined;
    if (releaseSlot === undefined) {
      // Waits after all (or no slot is left): its ask goes back; the line asks again once it is recorded queued.
      this.#shared.forget(id);
      return undefined;
    }
    this.#shared.running(id);
    return this.#takeKeys(id, ticket, releaseSlot);
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
    if (this.#shared.of(ticket).length > 0) queueMicrotask(() => this.dispatch());
    if (!this.hasRoom) for (const listener of this.#noRoomListeners) listener(id);
    return { position, reason: this.reasonFor(ticket) };
  }

  /** Takes a waiting execution out (cancelled, timed out); false when it no longer waits (it started, or never waited). */
  withdraw(id: string): boolean {
    const entry = this.#order.get(id);
    if (entry === undefined || !this.#order.remove(id)) return false;
    if (entry.maxQueued !== undefined) this.#waiting.remove(entry.maxQueued.key);
    this.#shared.forget(id);
    return true;
  }

  positionOf(id: string): number | undefined {
    return this.#order.positionOf(id);
  }

  /** Whether it waits in this line (without counting what is ahead of it). */
  waits(id: string): boolean {
    return this.#order.get(id) !== undefined;
  }

  /** Which limit holds a waiting execution now (the cluster's word while it asks for its places); undefined when it does not wait. */
  reasonOf(id: string): string | undefined {
    const entry = this.#order.get(id);
    if (entry === undefined) return undefined;
    return this.#shared.reasonOf(id) ?? this.reasonFor(entry);
  }

  /**
   * An execution that runs already, taken over after its process died: counted under its limits here, and its
   * cluster-wide places held again (the dead process's taken over) and a slot taken, past capacity if need be (it was
   * admitted once, where it started), until the returned release: what waits behind it does not start in its place.
   */
  resumed(id: string, ticket: { priority: number; limits: readonly KeyLimit[] }): () => void {
    const releaseSlot = this.#admission.takeOver();
    for (const limit of ticket.limits) this.#running.add(limit.key);
    const held = this.#shared.of(ticket);
    if (held.length > 0) this.#shared.hold(id, held, ticket.priority);
    return once(() => {
      for (const limit of ticket.limits) this.#running.remove(limit.key);
      if (held.length > 0) this.#shared.release(id);
      // The slot last: giving it back dispatches, and the keys must be free by then.
      releaseSlot();
    });
  }

  /** Which limit holds a ticket now, in words. */
  reasonFor(ticket: QueueTicket): string {
    // A full node holds everyone: it is named first; a key's limit is the reason only while slots are free.
    if (this.#admission.draining) return "node draining";
    if (this.#admission.running >= this.#admission.capacity) return `node at capacity ${this.#admission.running}/${this.#admission.capacity}`;
    const held = this.#heldBy(ticket);
    const limits = this.#shared.of(ticket);
    if (held === undefined) return limits.length > 0 ? clusterKeyReason(limits) : "waiting for its turn";
    return held.kind === "concurrency" ? `${held.what} at its limit ${held.limit}` : `${held.what} at max_running ${held.limit}`;
  }

  /** Starts what may start, in order, while slots are free (a drained node keeps its queue for after its restart). */
  dispatch(): void {
    if (this.#dispatching || this.#holds > 0) return;
    this.#dispatching = true;
    try {
      while (this.#order.size > 0 && !this.#admission.draining && this.#admission.running < this.#admission.capacity) {
        // Taken in order: one ranked behind an ask still unanswered waits for that answer, so priority holds.
        let pending = false;
        const next = this.#order.take((entry) => {
          if (this.#heldBy(entry) !== undefined) return false;
          const placed = this.#shared.placed(entry.id, entry);
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
        this.#shared.running(next.id);
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
      if (!this.hasRoom) this.#shared.forgetAll();
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
          if (id !== undefined && this.#shared.of(ticket).length > 0) this.#shared.release(id);
        }
        // The slot last: giving it back dispatches, and the keys must be free by then.
        if (!slotBack) giveSlot();
        else this.dispatch();
      },
    };
  }
}
