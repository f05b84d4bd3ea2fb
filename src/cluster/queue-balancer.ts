import type { Subscription } from "@nats-io/transport-node";
import { waitsForKeyPlace, type ExecutionQueue, type ExecutionRecord, type NodeEngine, type NodeInfo, type Requeue } from "../engine/internal.js";
import { executionPlacementOf } from "./asked-placement.js";
import type { QueueOffer, QueueOffers } from "./queue-offers.js";
import { serveQueuePlaces } from "./queue-places.js";
import type { Logger } from "../observability/index.js";
import { NODE_TAG_PATTERN } from "../config/index.js";
import { decodeJson, encodeJson } from "./codec.js";
import { handoverSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** How often a node with room looks for executions queued on other nodes (and at once whenever a slot frees). */
const LOOK_MS = 1000;
const HANDOVER_TIMEOUT_MS = 2000;
/** Looks are at least this far apart: a slot frees per execution end, and each look reads the store (a JetStream request). */
const LOOK_GAP_MS = 200;
/** A released execution its asker has not taken by then (it died, or its answer was lost) goes back in the holder's line. */
const TAKE_BACK_MS = 10_000;
/** An offer still waiting where it is but not taken now (it waits for a key's place, or does not fit here) comes back after this. */
const OFFER_AGAIN_MS = 2000;
/** Offers one look pulls at most: stale ones (started where they were meanwhile) are dropped as they come. */
const PULLS_PER_LOOK = 64;

export interface QueueBalancerDeps {
  wire: ClusterWire;
  selfId: string;
  engine: NodeEngine;
  queue: ExecutionQueue;
  requeue: Requeue;
  offers: QueueOffers;
  nodes: () => readonly NodeInfo[];
  /** Whether an execution queued on a live node may run here as it asked (a target naming its node keeps it there). */
  fitsHere: (record: ExecutionRecord) => boolean;
  logger: Logger;
}

/**
 * The queue across the cluster: each node queues what it is sent, and offers what it has no room for on the cluster's
 * offer board (QueueOffers: a JetStream work queue, one subject per placement's tags and priority); a node with room
 * and an empty line of its own pulls the best offer its tags cover and asks the node holding it to let it go; the
 * holder flushes its writes, drops it from its line without ending it, and answers; the asker claims it (the next
 * adoption generation) and starts it. So work waits for capacity anywhere it fits, not on the worker it first reached,
 * and a look costs a pull per offer taken, not a read of every record in the cluster.
 */
export class QueueBalancer {
  readonly #deps: QueueBalancerDeps;
  readonly #subscription: Subscription;
  readonly #places: Subscription;
  readonly #timer: NodeJS.Timeout;
  #looking = false;
  #closed = false;
  #lastLookMs = 0;
  /** Offers this node posted, by execution, while it waits here: withdrawn once it no longer does. */
  readonly #posted = new Map<string, number>();
  /** Executions whose offer could not be posted (NATS away): posted again while they still wait here. */
  readonly #unposted = new Set<string>();
  /** A look asked for within the gap, made at its end. */
  #deferred: NodeJS.Timeout | undefined;

  constructor(deps: QueueBalancerDeps) {
    this.#deps = deps;
    this.#subscription = deps.wire.subscribe(handoverSubject(deps.selfId), (msg) => {
      const asked = decodeJson<{ executionId?: unknown }>(msg.body);
      const id = typeof asked?.executionId === "string" ? asked.executionId : undefined;
      const released = id === undefined || this.#closed ? Promise.resolve(false) : deps.engine.releaseQueued(id);
      void released.then(
        (ok) => {
          msg.respond(encodeJson({ released: ok }));
          if (ok) setTimeout(() => void this.#takeBackIfLeft(id!), TAKE_BACK_MS).unref();
        },
        () => msg.respond(encodeJson({ released: false })),
      );
    });
    this.#places = serveQueuePlaces(deps.wire, deps.selfId, deps.queue);
    deps.queue.onNoRoom((id) => this.#offerOrRetry(id));
    this.#timer = setInterval(() => {
      this.#withdrawLeft();
      this.#offerAgain();
      this.look();
    }, LOOK_MS);
    this.#timer.unref();
  }

  /** Takes what waits elsewhere while this node has room and nothing of its own waiting. */
  look(): void {
    if (this.#looking || this.#closed || this.#deferred !== undefined) return;
    const wait = this.#lastLookMs + LOOK_GAP_MS - Date.now();
    if (wait > 0) {
      this.#deferred = setTimeout(() => ((this.#deferred = undefined), this.look()), wait);
      this.#deferred.unref();
      return;
    }
    this.#lastLookMs = Date.now();
    this.#looking = true;
    void this.#takeWhileRoom()
      .catch((error: unknown) => this.#deps.logger.debug({ err: error }, "looking for executions queued on other nodes failed; trying again"))
      .finally(() => (this.#looking = false));
  }

  async #takeWhileRoom(): Promise<void> {
    const { queue, selfId } = this.#deps;
    if (!queue.hasRoom || queue.size > 0) return;
    const tags = this.#deps.nodes().find((n) => n.id === selfId)?.tags ?? [];
    const pools = (await this.#deps.offers.pools()).filter((p) => p.tags.every((t) => tags.includes(t))).sort((a, b) => b.priority - a.priority || b.count - a.count);
    let pulls = 0;
    for (const pool of pools) {
      while (!this.#closed && queue.hasRoom && queue.size === 0 && pulls++ < PULLS_PER_LOOK) {
        const offer = await this.#deps.offers.next(pool.subject);
        if (offer === undefined) break;
        await this.#consider(offer).catch((error: unknown) => {
          offer.later(OFFER_AGAIN_MS);
          throw error;
        });
      }
    }
  }

  /** Takes an offered execution if it still waits where it was offered and fits here; the offer goes, or comes back later. */
  async #consider(offer: QueueOffer): Promise<void> {
    const { engine, queue } = this.#deps;
    const record = await engine.store.getRecord(offer.executionId);
    if (record?.status !== "queued" || record.node !== offer.node || record.node === this.#deps.selfId) return offer.done();
    // Its holder died (its adopter offers it again), or it waits for a key's cluster-wide place (it would here too), or needs another node.
    if (!this.#up(record.node) || waitsForKeyPlace(record.queue?.reason) || !this.#deps.fitsHere(record)) return offer.later(OFFER_AGAIN_MS);
    if (!(await this.#askFor(record))) {
      const now = await engine.store.getRecord(offer.executionId);
      return now?.status === "queued" && now.node === offer.node ? offer.later(OFFER_AGAIN_MS) : offer.done();
    }
    offer.done();
    // Read again after the holder flushed: its last writes are in.
    const stored = await engine.store.getRecord(offer.executionId);
    if (stored === undefined || !(await engine.takeQueued(stored, this.#deps.requeue))) return;
    this.#deps.logger.info({ execution_id: offer.executionId, from: offer.node }, "took a queued execution over from a node without room");
    queue.dispatch();
  }

  /** Offers an execution this node queued for want of room to the nodes whose tags cover its placement's (a target too: a node id no node carries as a tag keeps it here). */
  async #offer(executionId: string): Promise<void> {
    // Its record is written once its caller has its place in line, and offered once stored: a taker reads it first.
    await new Promise((resolve) => setImmediate(resolve));
    const store = this.#deps.engine.store;
    await (store.stored?.(executionId) ?? this.#deps.engine.persisted());
    const record = await store.getRecord(executionId);
    if (this.#closed || record?.status !== "queued" || record.node !== this.#deps.selfId) return;
    const asked = executionPlacementOf(record);
    const tags = [...(asked?.tags ?? []), ...(asked?.target_tags ?? []), ...(asked?.target_instance === undefined ? [] : [asked.target_instance])];
    if (!tags.every((tag) => NODE_TAG_PATTERN.test(tag))) return;
    this.#posted.set(executionId, await this.#deps.offers.post(executionId, this.#deps.selfId, tags, record.queue?.priority ?? 5));
  }

  #offerOrRetry(executionId: string): void {
    void this.#offer(executionId).catch((error: unknown) => {
      this.#unposted.add(executionId);
      this.#deps.logger.debug({ err: error, execution_id: executionId }, "offering a queued execution to other nodes failed; offered again in a second");
    });
  }

  #offerAgain(): void {
    for (const id of this.#unposted) {
      this.#unposted.delete(id);
      if (this.#deps.queue.waits(id)) this.#offerOrRetry(id);
    }
  }

  /** Withdraws the offers of executions that left this node's line (started here, ended, or let go): the board keeps only live work. */
  #withdrawLeft(): void {
    for (const [id, seq] of this.#posted) {
      if (this.#deps.queue.waits(id)) continue;
      this.#posted.delete(id);
      void this.#deps.offers.withdraw(seq);
    }
  }

  #up(nodeId: string): boolean {
    const status = this.#deps.nodes().find((n) => n.id === nodeId)?.status;
    return status === "up" || status === "draining";
  }

  async #takeBackIfLeft(executionId: string): Promise<void> {
    const { engine, selfId } = this.#deps;
    const stored = await engine.store.getRecord(executionId).catch(() => undefined);
    if (this.#closed || stored?.status !== "queued" || stored.node !== selfId || engine.locator.knownHere(executionId) !== undefined) return;
    if (await engine.takeQueued(stored, this.#deps.requeue).catch(() => false)) {
      this.#deps.logger.warn({ execution_id: executionId }, "a queued execution let go to another node was not taken there; back in this node's line");
      this.#deps.queue.dispatch();
    }
  }

  async #askFor(record: ExecutionRecord): Promise<boolean> {
    try {
      const answer = decodeJson<{ released?: unknown }>(await this.#deps.wire.request(handoverSubject(record.node), encodeJson({ executionId: record.execution_id }), { timeout: HANDOVER_TIMEOUT_MS, encrypt: true }));
      return answer?.released === true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#deferred);
    this.#subscription.unsubscribe();
    this.#places.unsubscribe();
  }
}
