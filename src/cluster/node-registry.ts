import { NoRespondersError, RequestError, type Subscription } from "@nats-io/transport-node";
import type { NodeEvent, NodeInfo, NodeRegistry } from "../engine/internal.js";
import { decodeJson, encodeJson } from "./codec.js";
import { ClusterError } from "./errors.js";
import { aliveSubject, SUBJECTS } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

const EMPTY = new Uint8Array(0);

const HISTORY = 256;
/** Changes of this node are announced at most this often: steps starting and ending by the thousand make one beat per period. */
const CHANGE_BEAT_MS = 50;
/** Down nodes stay listed (status `down`) this many detection periods, then are forgotten. */
const FORGET_AFTER_PERIODS = 10;
/** A node this late with its beat is asked whether its process lives (a crashed one's NATS connection is closed). */
const OVERDUE_GRACE_MS = 150;
const ALIVE_TIMEOUT_MS = 1000;

interface Seen {
  info: NodeInfo;
  lastBeatMs: number;
}

export interface ClusterRegistryOptions {
  heartbeatMs: number;
  missedBeatsDown: number;
  /** What the cluster adds to this node's own record (its placed steps' slots and resources). */
  selfExtra?: () => Partial<NodeInfo>;
  /**
   * Since when this node's NATS connection has been up without a break (undefined: not connected). A "no responders"
   * for a node is believed only once its beat has been heard since then: right after NATS came back, others may not
   * have resubscribed yet.
   */
  connectedSinceMs?: () => number | undefined;
}

/**
 * Every node's record, kept live from the beats nodes publish on NATS: this node's own (taken from `self`, which
 * the gateway keeps up to date) is published every heartbeat and on every change; a node whose beats stop for
 * `missedBeatsDown` intervals is marked down. Without `self` it only observes (`wfx nodes`).
 */
export class ClusterNodeRegistry implements NodeRegistry {
  #wire: ClusterWire | undefined;
  readonly #self: NodeRegistry | undefined;
  readonly #options: ClusterRegistryOptions;
  readonly #nodes = new Map<string, Seen>();
  readonly #history: NodeEvent[] = [];
  readonly #listeners = new Set<(event: NodeEvent) => void>();
  readonly #subs: Subscription[] = [];
  #seq = 0;
  #timers: NodeJS.Timeout[] = [];
  #stopSelf: (() => void) | undefined;
  #settledAtMs: number | undefined;
  #beatScheduled = false;
  #lastBeatMs = 0;
  readonly #asking = new Set<string>();
  #announced = false;

  constructor(self: NodeRegistry | undefined, options: ClusterRegistryOptions) {
    this.#self = self;
    this.#options = options;
  }

  /**
   * Once NATS is reached: subscribes, announces this node and asks the others to announce themselves. Until then it
   * lists only this node. Beats come through the wire: one without the cluster key never enters the registry.
   */
  attach(wire: ClusterWire): void {
    this.#wire = wire;
    this.#subs.push(wire.subscribe(SUBJECTS.beat, (msg) => this.#onBeat(msg.body)));
    this.#timers.push(setInterval(() => this.#sweep(), Math.max(50, Math.min(125, this.#options.heartbeatMs / 4))).unref());
    wire.publish(SUBJECTS.hello, EMPTY);
    this.#settledAtMs = Date.now() + this.#options.heartbeatMs * this.#options.missedBeatsDown;
  }

  /**
   * Announces this node under its id, once attached: refused with WFX_NODE_ID_TAKEN while another live process
   * answers to the id (a crashed one's closed connection answers nothing, so its id is free at once).
   */
  async announce(): Promise<void> {
    const wire = this.#wire;
    const self = this.#self;
    if (wire === undefined || self === undefined || this.#announced) return;
    const id = self.self().id;
    const holder = await wire.request(aliveSubject(id), EMPTY, { timeout: ALIVE_TIMEOUT_MS }).then(
      (answer) => decodeJson<{ instance?: string; started_at?: number }>(answer) ?? {},
      () => undefined,
    );
    if (holder !== undefined) {
      const since = holder.started_at === undefined ? "" : `, up since ${new Date(holder.started_at).toISOString()}`;
      throw new ClusterError("WFX_NODE_ID_TAKEN", `node id '${id}' is in use by another running process on this cluster (instance ${holder.instance ?? "unknown"}${since})`, {
        hint: "give this node another --node-id (or WFX_NODE_ID), or stop the other process first; the id of a node that is down can be taken at once",
      });
    }
    this.#announced = true;
    this.#subs.push(wire.subscribe(SUBJECTS.hello, () => this.#beat()));
    this.#subs.push(wire.subscribe(aliveSubject(id), (msg) => msg.respond(encodeJson({ instance: this.self().instance, started_at: this.self().started_at }))));
    // Every change of this node (load, gateways, status) is announced at once, not at the next beat.
    this.#stopSelf = self.watch(0, () => this.changed());
    this.#timers.push(setInterval(() => this.#beat(), this.#options.heartbeatMs).unref());
    this.#beat();
  }

  /** From when every live node has beaten at least once since this one attached (undefined before NATS is reached). */
  settledAtMs(): number | undefined {
    return this.#settledAtMs;
  }

  /**
   * Whether `id`'s beat has been heard since this node's connection last came up: then that node was subscribed on
   * this connection's server, so a "no responders" for it means its process is gone (not that it has not resubscribed).
   */
  heardSinceConnected(id: string): boolean {
    const since = this.#options.connectedSinceMs?.();
    const seen = this.#nodes.get(id);
    return since !== undefined && seen !== undefined && seen.lastBeatMs > since;
  }

  /** One node as seen now (this one included); undefined when the registry has no record of it. */
  node(id: string): NodeInfo | undefined {
    if (this.#self !== undefined && id === this.#self.self().id) return this.self();
    return this.#nodes.get(id)?.info;
  }

  self(): NodeInfo {
    if (this.#self === undefined) return { id: "observer", tags: [], capacity: 0, load: 0, gateways: [], version: "", started_at: 0, status: "down" };
    const extra = this.#options.selfExtra;
    return extra === undefined ? this.#self.self() : { ...this.#self.self(), ...extra() };
  }

  /** The nodes known now, this one first: what placement chooses from. */
  snapshot(): NodeInfo[] {
    if (this.#self === undefined) return [...this.#nodes.values()].map((s) => s.info);
    const selfId = this.#self.self().id;
    const others = [...this.#nodes.values()].map((s) => s.info).filter((n) => n.id !== selfId);
    return [this.self(), ...others];
  }

  /** This node's record changed: announced at the end of the current burst, or CHANGE_BEAT_MS after the last beat. */
  changed(): void {
    if (this.#beatScheduled) return;
    this.#beatScheduled = true;
    const announce = () => {
      this.#beatScheduled = false;
      this.#beat();
    };
    const wait = this.#lastBeatMs + CHANGE_BEAT_MS - Date.now();
    if (wait <= 0) setImmediate(announce);
    else setTimeout(announce, wait).unref();
  }

  async list(): Promise<NodeInfo[]> {
    return this.snapshot().sort((a, b) => a.id.localeCompare(b.id));
  }

  watch(afterSeq: number, listener: (event: NodeEvent) => void): () => void {
    const oldest = this.#history[0]?.seq ?? this.#seq + 1;
    if (afterSeq > 0 && afterSeq >= oldest - 1 && afterSeq <= this.#seq) {
      for (const event of this.#history) if (event.seq > afterSeq) listener(event);
    } else {
      void this.list().then((nodes) => nodes.forEach((node) => listener({ seq: this.#seq, type: node.status === "down" ? "node.down" : "node.up", node, time: Date.now() })));
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Leaves the cluster: a last beat says `down`, so the others need not wait for the missed beats. */
  async close(): Promise<void> {
    this.#stopSelf?.();
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    const wire = this.#wire;
    if (this.#announced && wire !== undefined && !wire.nc.isClosed()) {
      wire.publish(SUBJECTS.beat, encodeJson({ ...this.self(), status: "down" }));
      await wire.nc.flush().catch(() => undefined);
    }
    for (const sub of this.#subs) sub.unsubscribe();
  }

  #beat(): void {
    if (!this.#announced || this.#wire === undefined || this.#wire.nc.isClosed()) return;
    this.#lastBeatMs = Date.now();
    this.#wire.publish(SUBJECTS.beat, encodeJson(this.self()));
  }

  #onBeat(data: Uint8Array): void {
    const info = decodeJson<NodeInfo>(data);
    if (info === undefined || typeof info.id !== "string" || info.id === this.#self?.self().id) return;
    const known = this.#nodes.get(info.id);
    this.#nodes.set(info.id, { info, lastBeatMs: Date.now() });
    if (known === undefined || known.info.status === "down") this.#emit(info.status === "down" ? "node.down" : "node.up", info);
    else if (info.status === "down") this.#emit("node.down", info);
    else if (JSON.stringify(known.info) !== JSON.stringify(info)) this.#emit("node.updated", info);
  }

  /** Nodes whose beats stopped are down; long-down ones are forgotten. */
  #sweep(): void {
    const now = Date.now();
    const downAfter = this.#options.heartbeatMs * this.#options.missedBeatsDown;
    for (const [id, seen] of this.#nodes) {
      const silent = now - seen.lastBeatMs;
      if (seen.info.status !== "down" && silent > downAfter) {
        this.#markDown(seen);
      } else if (seen.info.status !== "down" && silent > this.#options.heartbeatMs + OVERDUE_GRACE_MS) {
        this.#askAlive(id, seen);
      } else if (seen.info.status === "down" && silent > downAfter * FORGET_AFTER_PERIODS) {
        this.#nodes.delete(id);
      }
    }
  }

  #markDown(seen: Seen): void {
    seen.info = { ...seen.info, status: "down" };
    this.#emit("node.down", seen.info);
  }

  /** A crash-stop is known in milliseconds, not missed beats: NATS answers "no responders" for a closed connection. */
  #askAlive(id: string, seen: Seen): void {
    const wire = this.#wire;
    if (wire === undefined || !this.heardSinceConnected(id) || this.#asking.has(id)) return;
    this.#asking.add(id);
    const beatSeen = seen.lastBeatMs;
    wire.request(aliveSubject(id), EMPTY, { timeout: ALIVE_TIMEOUT_MS }).then(
      () => this.#asking.delete(id),
      (error: unknown) => {
        this.#asking.delete(id);
        const noResponders = error instanceof NoRespondersError || (error instanceof RequestError && error.isNoResponders());
        const current = this.#nodes.get(id);
        if (noResponders && current === seen && seen.lastBeatMs === beatSeen && seen.info.status !== "down") this.#markDown(seen);
      },
    );
  }

  #emit(type: NodeEvent["type"], node: NodeInfo): void {
    const event: NodeEvent = { seq: ++this.#seq, type, node, time: Date.now() };
    this.#history.push(event);
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const listener of this.#listeners) listener(event);
  }
}
