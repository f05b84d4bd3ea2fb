import { randomUUID } from "node:crypto";
import type { Logger } from "../observability/index.js";
import { isWrongLastSequence } from "./conditional-writes.js";
import { countsOf, emptyLeases, hasClaim, liveLeases, reconcile, waitingMessage, type TagLeases } from "./tag-leases.js";
import type { LeaseStore, StoredLeases } from "./lease-store.js";

/** Compare-and-set rounds lost to other nodes in one write before it waits for the next turn. */
const MAX_ROUNDS = 8;
/** After a failed write (NATS away), how soon the node tries again. */
const RETRY_MS = 1000;

/** Where a waiter stands: a place under every name it asked for, or why not yet. */
export type PlaceState = { granted: true } | { granted: false; message: string; /** No answer from the cluster (NATS not reached yet, or the write failed): not a verdict. */ unanswered?: true };

/** One name of a semaphore: its KV key, the label its value carries, how many may hold it at once, and how messages name it. */
export interface Place {
  key: string;
  label: string;
  limit: number;
  /** "tag 'gpu'", "concurrency key customer-7": in this process's messages only, never written to the KV. */
  what: string;
}

export interface LeaseSemaphoreOptions {
  node: string;
  /** This process's incarnation: its leases die with it, not with its node id. */
  instance: string;
  /** How long a holder's places last without renewal: a node killed frees them within this. */
  leaseMs: number;
  store: Promise<LeaseStore>;
  /** The KV keys this semaphore owns start with `${prefix}.` (`tag`, `key`): its watch hears those. */
  prefix: string;
  /** Names known from the start (limits per tag): watched and counted while the process lives. */
  pinned?: readonly Place[];
  logger: Logger;
  now?: () => number;
}

interface Ticket {
  places: readonly Place[];
  /** How many of `places` it holds so far (it asks for them in order). */
  held: number;
  priority: number;
  step: string;
  onChange: (state: PlaceState) => void;
  released: boolean;
  message: string | undefined;
  /** Taken over from a process that died (see `acquire`): its release drops that process's entries too. */
  running: boolean;
}

interface Own {
  id: string;
  ticket: Ticket;
  held: boolean;
  seq: number | undefined;
}

interface NameState {
  place: Place;
  pinned: boolean;
  own: Map<string, Own>;
  known: StoredLeases | undefined;
  writing: boolean;
  again: boolean;
  /** Why the last write failed, while it did: waiters say it. */
  away: string | undefined;
  retry: NodeJS.Timeout | undefined;
  /** Steps taken over here that ended, maybe before their take-over was written: anyone's entries for them go. */
  ended: Set<string>;
}

/**
 * A cluster-wide counting semaphore per name, shared by every node through one JetStream KV value per name: this
 * process's places and turns in line are written there by compare-and-set, renewed every third of the lease, and taken
 * over by anyone's next write once they expire. A waiter that cannot have a place waits in priority-then-arrival order.
 * Names are made on first use and forgotten once this process holds nothing under them (pinned ones stay).
 */
export class LeaseSemaphore {
  readonly #options: LeaseSemaphoreOptions;
  readonly #now: () => number;
  readonly #names = new Map<string, NameState>();
  readonly #renew: NodeJS.Timeout;
  readonly #warned = new Set<string>();
  #store: LeaseStore | undefined;
  #watching = false;
  #stopWatch: (() => void) | undefined;
  #closed = false;

  constructor(options: LeaseSemaphoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    for (const place of options.pinned ?? []) this.#stateOf(place, true);
    this.#renew = setInterval(() => {
      for (const state of [...this.#names.values()]) if (state.own.size > 0 || this.#stillListed(state)) this.#write(state);
    }, Math.max(50, Math.floor(options.leaseMs / 3))).unref();
    void options.store.then((store) => {
      this.#store = store;
      for (const state of this.#names.values()) if (state.own.size > 0) this.#write(state);
      if (this.#names.size > 0) this.#watch(store);
    }).catch(() => undefined);
  }

  /**
   * Asks for a place under each of `places` (sorted by key: two waiters never wait on each other); `onChange` hears every
   * change until the returned release is called. `running`: what asks runs already (taken over from a process that
   * died): it holds its places at once, the dead process's entries for the same step taken over, never waiting in line.
   */
  acquire(places: readonly Place[], ask: { priority: number; step: string; running?: boolean }, onChange: (state: PlaceState) => void): () => void {
    const ticket: Ticket = { places, held: 0, priority: ask.priority, step: ask.step, onChange, released: false, message: undefined, running: ask.running === true };
    if (ask.running === true) this.#hold(ticket);
    else this.#ask(ticket);
    return () => {
      if (ticket.released) return;
      ticket.released = true;
      for (const place of ticket.places) {
        const state = this.#names.get(place.key);
        if (state === undefined) continue;
        for (const [id, own] of state.own) if (own.ticket === ticket) state.own.delete(id);
        if (ticket.running) state.ended.add(ticket.step);
        this.#write(state);
      }
    };
  }

  /** Running and waiting per name, by key, as this node last saw the shared value (every node shows the same). */
  counts(): Map<string, { running: number; waiting: number; limit: number }> {
    const now = this.#now();
    return new Map([...this.#names.values()].map((s) => [s.place.key, countsOf(liveLeases(s.known?.value ?? emptyLeases(s.place.label), now), s.place.limit)]));
  }

  /** Stops renewing and watching; what this process still holds expires with its lease (a clean stop released it already). */
  async close(waitMs = 2000): Promise<void> {
    const writing = () => [...this.#names.values()].some((s) => s.writing);
    const until = Date.now() + waitMs;
    while (writing() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    this.#closed = true;
    clearInterval(this.#renew);
    for (const state of this.#names.values()) clearTimeout(state.retry);
    this.#stopWatch?.();
  }

  #stateOf(place: Place, pinned = false): NameState {
    let state = this.#names.get(place.key);
    if (state === undefined) {
      state = { place, pinned, own: new Map(), known: undefined, writing: false, again: false, away: undefined, retry: undefined, ended: new Set() };
      this.#names.set(place.key, state);
      if (this.#store !== undefined) this.#watch(this.#store);
    }
    // The newest ask's limit applies here (a workflow reloaded with another limit); nodes that disagree: the smallest.
    state.place = place;
    return state;
  }

  /** One watch per semaphore, opened once a name is in use (a node that never asks watches nothing). */
  #watch(store: LeaseStore): void {
    if (this.#watching || this.#closed) return;
    this.#watching = true;
    const { logger, prefix } = this.#options;
    void store.watch(prefix, (key) => this.#names.get(key)?.place.label, (key, stored) => this.#watched(key, stored), (key, err) => logger.warn({ err, key }, "a cluster-wide lease value failed its check; ignored")).then(
      (stop) => (this.#closed ? stop() : (this.#stopWatch = stop)),
      (error: unknown) => {
        this.#watching = false;
        if (!this.#closed) logger.warn({ err: error, prefix }, "cluster-wide places: cannot watch the shared values on NATS; waiters look again at each renewal");
      },
    );
  }

  #stillListed(state: NameState): boolean {
    return state.known?.value.holders[this.#options.instance] !== undefined;
  }

  /** Asks for a place under the ticket's next name, or tells it that it holds them all. */
  #ask(ticket: Ticket): void {
    if (ticket.held === ticket.places.length) return ticket.onChange({ granted: true });
    const state = this.#stateOf(ticket.places[ticket.held]!);
    const id = randomUUID();
    state.own.set(id, { id, ticket, held: false, seq: undefined });
    if (this.#store === undefined) this.#tell(ticket, `waiting for the cluster limit on ${state.place.what}: NATS has not been reached yet`, true);
    this.#write(state);
  }

  #hold(ticket: Ticket): void {
    for (const place of ticket.places) {
      const state = this.#stateOf(place);
      const id = randomUUID();
      state.own.set(id, { id, ticket, held: true, seq: undefined });
      this.#write(state);
    }
    ticket.held = ticket.places.length;
    ticket.onChange({ granted: true });
  }

  #tell(ticket: Ticket, message: string, unanswered = false): void {
    if (ticket.released || message === ticket.message) return;
    ticket.message = message;
    ticket.onChange(unanswered ? { granted: false, message, unanswered } : { granted: false, message });
  }

  /** Another node (or this one) wrote a name's value: keep it, and write when a place is this node's to take. */
  #watched(key: string, stored: StoredLeases): void {
    const state = this.#names.get(key);
    if (state === undefined || (state.known !== undefined && stored.revision <= state.known.revision)) return;
    state.known = stored;
    const waiting = [...state.own.values()].filter((o) => !o.held);
    if (waiting.length === 0) return;
    const live = liveLeases(stored.value, this.#now());
    if (hasClaim(live, this.#options.instance, state.place.limit, this.#now())) return this.#write(state);
    // An ask not written yet is not in that line: its answer is its own write's.
    for (const own of waiting) if (own.seq !== undefined) this.#tell(own.ticket, waitingMessage(state.place.what, live, state.place.limit));
  }

  /** One write at a time per name from this process; a change while it runs makes it write again after. */
  #write(state: NameState): void {
    if (this.#closed || this.#store === undefined) return;
    if (state.writing) {
      state.again = true;
      return;
    }
    state.writing = true;
    state.again = false;
    clearTimeout(state.retry);
    void this.#rounds(state, this.#store)
      .then(() => {
        state.away = undefined;
      })
      .catch((error: unknown) => {
        if (state.away === undefined && !this.#closed) this.#options.logger.warn({ err: error, key: state.place.key }, `cluster-wide places: the shared value of ${state.pinned ? state.place.what : "a concurrency key"} on NATS cannot be written; its waiters wait on, and places held may expire meanwhile`);
        state.away = (error as Error).message;
        state.known = undefined;
        for (const own of state.own.values()) if (!own.held) this.#tell(own.ticket, `waiting for the cluster limit on ${state.place.what}: its shared places on NATS cannot be reached (${state.away})`, true);
        if (!this.#closed) state.retry = setTimeout(() => this.#write(state), RETRY_MS).unref();
      })
      .finally(() => {
        state.writing = false;
        if (state.again) this.#write(state);
        else if (!state.pinned && state.own.size === 0 && state.away === undefined && !this.#stillListed(state)) this.#names.delete(state.place.key);
      });
  }

  /** Reconciles this process's entries into the stored value until a compare-and-set holds, then tells the waiters. */
  async #rounds(state: NameState, store: LeaseStore): Promise<void> {
    const { instance, node, leaseMs } = this.#options;
    const { key, label, limit } = state.place;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const known = state.known ?? (state.known = await store.read(key, label));
      const mine = [...state.own.values()];
      const ended = [...state.ended];
      if (mine.length === 0 && ended.length === 0 && known.value.holders[instance] === undefined) return;
      const result = reconcile(known.value, { holder: instance, node, limit, now: this.#now(), leaseMs, ended, entries: mine.map((o) => ({ id: o.id, priority: o.ticket.priority, held: o.held, seq: o.seq, step: o.ticket.step })) });
      try {
        const revision = await store.write(key, result.value, known.revision);
        state.known = { value: result.value, revision };
        for (const step of ended) state.ended.delete(step);
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        state.known = undefined;
        continue;
      }
      this.#warnDisagreement(state, result.value);
      for (const own of mine) own.seq ??= result.seqs.get(own.id);
      for (const id of result.granted) {
        const own = state.own.get(id);
        if (own === undefined || own.held) continue;
        own.held = true;
        own.ticket.held++;
        own.ticket.message = undefined;
        if (!own.ticket.released) this.#ask(own.ticket);
      }
      for (const own of state.own.values()) if (!own.held) this.#tell(own.ticket, waitingMessage(state.place.what, result.value, state.place.limit));
      return;
    }
    // Lost every round to other nodes: the renewal (or the next watched value) tries again.
  }

  #warnDisagreement(state: NameState, value: TagLeases): void {
    const own = state.place.limit;
    for (const holder of Object.values(value.holders)) {
      const key = `${state.place.key}/${holder.limit}`;
      if (holder.limit === own || this.#warned.has(key)) continue;
      this.#warned.add(key);
      // A tag is the operator's word; a concurrency key is a caller's, named in the log by its digest only.
      this.#options.logger.warn({ key: state.place.key, ...(state.pinned ? { tag: state.place.label } : {}), limit: own, other_node: holder.node, other_limit: holder.limit, applied: Math.min(own, holder.limit) }, `nodes disagree on a cluster-wide limit: the smallest applies; give every node the same limits`);
    }
  }
}
