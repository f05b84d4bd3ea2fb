import { randomUUID } from "node:crypto";
import type { Logger } from "../observability/index.js";
import { isWrongLastSequence } from "./conditional-writes.js";
import { countsOf, emptyLeases, hasClaim, liveLeases, reconcile, waitingMessage, type TagLeases } from "./tag-leases.js";
import type { StoredLeases, TagLimitStore } from "./tag-limit-store.js";

/** Compare-and-set rounds lost to other nodes in one write before it waits for the next turn. */
const MAX_ROUNDS = 8;
/** After a failed write (NATS away), how soon the node tries again. */
const RETRY_MS = 1000;

/** Where a step waiting under a limit stands: a place on every limited tag it asks for, or why not yet. */
export type TagLimitState = { granted: true } | { granted: false; message: string };

/** What the placed-step stand-in asks of the cluster's tag limits. */
export interface TagLimiter {
  /** The tags among `tags` that are limited, sorted: the order places are taken in (so two steps never wait on each other). */
  limitedOf(tags: readonly string[]): string[];
  /** Asks for a place under each of `tags` (limited ones, sorted); `onChange` hears every change until the returned release is called. */
  acquire(tags: readonly string[], ask: { priority: number; step: string }, onChange: (state: TagLimitState) => void): () => void;
}

export interface TagLimitsOptions {
  /** Tag -> how many steps asking for it may run at once in the whole cluster (this node's setting). */
  limits: Readonly<Record<string, number>>;
  node: string;
  /** This process's incarnation: its leases die with it, not with its node id. */
  instance: string;
  /** How long a holder's places last without renewal: a node killed frees them within this. */
  leaseMs: number;
  store: Promise<TagLimitStore>;
  logger: Logger;
  now?: () => number;
}

interface Ticket {
  tags: readonly string[];
  /** How many of `tags` it holds a place under so far (it asks for them in order). */
  held: number;
  priority: number;
  step: string;
  onChange: (state: TagLimitState) => void;
  released: boolean;
  message: string | undefined;
}

interface Own {
  id: string;
  ticket: Ticket;
  held: boolean;
  seq: number | undefined;
}

interface TagState {
  tag: string;
  own: Map<string, Own>;
  known: StoredLeases | undefined;
  writing: boolean;
  again: boolean;
  /** Why the last write failed, while it did: waiting steps say it. */
  away: string | undefined;
  retry: NodeJS.Timeout | undefined;
}

/**
 * A counting semaphore per limited tag, shared by every node through one JetStream KV value per tag: this process's
 * places and turns in line are written there by compare-and-set, renewed every third of the lease, and taken over by
 * anyone's next write once they expire. A step that cannot have a place waits in priority-then-arrival order.
 */
export class TagLimits implements TagLimiter {
  readonly #options: TagLimitsOptions;
  readonly #now: () => number;
  readonly #tags = new Map<string, TagState>();
  readonly #renew: NodeJS.Timeout;
  readonly #warned = new Set<string>();
  #store: TagLimitStore | undefined;
  #stopWatch: (() => void) | undefined;
  #closed = false;

  constructor(options: TagLimitsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    for (const tag of Object.keys(options.limits)) this.#tags.set(tag, { tag, own: new Map(), known: undefined, writing: false, again: false, away: undefined, retry: undefined });
    this.#renew = setInterval(() => {
      for (const state of this.#tags.values()) if (state.own.size > 0 || (state.known?.value.holders[options.instance] !== undefined)) this.#write(state);
    }, Math.max(50, Math.floor(options.leaseMs / 3))).unref();
    void options.store.then(async (store) => {
      this.#store = store;
      for (const state of this.#tags.values()) if (state.own.size > 0) this.#write(state);
      const stop = await store.watch([...this.#tags.keys()], (stored) => this.#watched(stored), (key, err) => options.logger.warn({ err, key }, "a tag limit value failed its check; ignored"));
      if (this.#closed) stop();
      else this.#stopWatch = stop;
    }).catch((error: unknown) => {
      if (!this.#closed) options.logger.warn({ err: error }, "tag limits: cannot watch the shared places on NATS; waiting steps look again at each renewal");
    });
  }

  limitedOf(tags: readonly string[]): string[] {
    return [...new Set(tags)].filter((t) => this.#tags.has(t)).sort();
  }

  acquire(tags: readonly string[], ask: { priority: number; step: string }, onChange: (state: TagLimitState) => void): () => void {
    const ticket: Ticket = { tags, held: 0, priority: ask.priority, step: ask.step, onChange, released: false, message: undefined };
    this.#ask(ticket);
    return () => {
      if (ticket.released) return;
      ticket.released = true;
      for (const tag of ticket.tags) {
        const state = this.#tags.get(tag)!;
        for (const [id, own] of state.own) if (own.ticket === ticket) state.own.delete(id);
        this.#write(state);
      }
    };
  }

  /** Running and waiting steps per limited tag, as this node last saw the shared value (every node shows the same). */
  counts(): Map<string, { running: number; waiting: number; limit: number }> {
    const now = this.#now();
    return new Map([...this.#tags.values()].map((s) => [s.tag, countsOf(liveLeases(s.known?.value ?? emptyLeases(s.tag), now), this.#options.limits[s.tag])]));
  }

  /** Stops renewing and watching; what this process still holds expires with its lease (a clean stop released it already). */
  async close(waitMs = 2000): Promise<void> {
    const writing = () => [...this.#tags.values()].some((s) => s.writing);
    const until = Date.now() + waitMs;
    while (writing() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    this.#closed = true;
    clearInterval(this.#renew);
    for (const state of this.#tags.values()) clearTimeout(state.retry);
    this.#stopWatch?.();
  }

  /** Asks for a place under the ticket's next tag, or tells it that it holds them all. */
  #ask(ticket: Ticket): void {
    if (ticket.held === ticket.tags.length) return ticket.onChange({ granted: true });
    const state = this.#tags.get(ticket.tags[ticket.held]!)!;
    const id = randomUUID();
    state.own.set(id, { id, ticket, held: false, seq: undefined });
    if (this.#store === undefined) this.#tell(ticket, `waiting for the cluster limit on tag '${state.tag}': NATS has not been reached yet`);
    this.#write(state);
  }

  #tell(ticket: Ticket, message: string): void {
    if (ticket.released || message === ticket.message) return;
    ticket.message = message;
    ticket.onChange({ granted: false, message });
  }

  /** Another node (or this one) wrote the tag's value: keep it, and write when a place is this node's to take. */
  #watched(stored: StoredLeases): void {
    const state = this.#tags.get(stored.value.tag);
    if (state === undefined || (state.known !== undefined && stored.revision <= state.known.revision)) return;
    state.known = stored;
    const waiting = [...state.own.values()].filter((o) => !o.held);
    if (waiting.length === 0) return;
    const live = liveLeases(stored.value, this.#now());
    if (hasClaim(live, this.#options.instance, this.#options.limits[state.tag]!, this.#now())) return this.#write(state);
    for (const own of waiting) this.#tell(own.ticket, waitingMessage(state.tag, live, this.#options.limits[state.tag]!));
  }

  /** One write at a time per tag from this process; a change while it runs makes it write again after. */
  #write(state: TagState): void {
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
        if (state.away === undefined && !this.#closed) this.#options.logger.warn({ err: error, tag: state.tag }, "tag limits: the shared places on NATS cannot be written; steps waiting for this tag wait on, and places held may expire meanwhile");
        state.away = (error as Error).message;
        state.known = undefined;
        for (const own of state.own.values()) if (!own.held) this.#tell(own.ticket, `waiting for the cluster limit on tag '${state.tag}': its shared places on NATS cannot be reached (${state.away})`);
        if (!this.#closed) state.retry = setTimeout(() => this.#write(state), RETRY_MS).unref();
      })
      .finally(() => {
        state.writing = false;
        if (state.again) this.#write(state);
      });
  }

  /** Reconciles this process's entries into the stored value until a compare-and-set holds, then tells the steps. */
  async #rounds(state: TagState, store: TagLimitStore): Promise<void> {
    const { instance, node, limits, leaseMs } = this.#options;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const known = state.known ?? (state.known = await store.read(state.tag));
      const mine = [...state.own.values()];
      if (mine.length === 0 && known.value.holders[instance] === undefined) return;
      const result = reconcile(known.value, { holder: instance, node, limit: limits[state.tag]!, now: this.#now(), leaseMs, entries: mine.map((o) => ({ id: o.id, priority: o.ticket.priority, held: o.held, seq: o.seq, step: o.ticket.step })) });
      try {
        const revision = await store.write(result.value, known.revision);
        state.known = { value: result.value, revision };
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        state.known = undefined;
        continue;
      }
      this.#warnDisagreement(state.tag, result.value);
      for (const own of mine) own.seq ??= result.seqs.get(own.id);
      for (const id of result.granted) {
        const own = state.own.get(id);
        if (own === undefined || own.held) continue;
        own.held = true;
        own.ticket.held++;
        own.ticket.message = undefined;
        if (!own.ticket.released) this.#ask(own.ticket);
      }
      for (const own of state.own.values()) if (!own.held) this.#tell(own.ticket, waitingMessage(state.tag, result.value, limits[state.tag]!));
      return;
    }
    // Lost every round to other nodes: the renewal (or the next watched value) tries again.
  }

  #warnDisagreement(tag: string, value: TagLeases): void {
    const own = this.#options.limits[tag]!;
    for (const holder of Object.values(value.holders)) {
      const key = `${tag}/${holder.limit}`;
      if (holder.limit === own || this.#warned.has(key)) continue;
      this.#warned.add(key);
      this.#options.logger.warn({ tag, limit: own, other_node: holder.node, other_limit: holder.limit, applied: Math.min(own, holder.limit) }, `nodes disagree on the cluster limit of tag '${tag}': the smallest applies; give every node the same limits`);
    }
  }
}
