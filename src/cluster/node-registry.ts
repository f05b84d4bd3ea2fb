import { NoRespondersError, RequestError, type Subscription } from "@nats-io/transport-node";
import type { NodeEvent, NodeInfo, NodeRegistry } from "../engine/internal.js";
import { decodeJson, encodeJson } from "./codec.js";
import { ClusterError } from "./errors.js";
import { aliveSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";
import type { BeatMode, BeatProtocol } from "./registry/beat-protocol.js";
import { DeltaBeats, loadStateOf } from "./registry/delta-beats.js";
import { FullBeats } from "./registry/full-beats.js";
import { NodeView, type Seen } from "./registry/node-view.js";

const EMPTY = new Uint8Array(0);

/** Down nodes stay listed (status `down`) this many detection periods, then are forgotten. */
const FORGET_AFTER_PERIODS = 10;
/** A node this late with its beat is asked whether its process lives (a crashed one's NATS connection is closed). */
const OVERDUE_GRACE_MS = 150;
const ALIVE_TIMEOUT_MS = 1000;
/** A node this node does not watch is dropped after this many refresh periods without a word (its watchers all gone too). */
const UNHEARD_REFRESHES = 3;

export interface ClusterRegistryOptions {
  heartbeatMs: number;
  missedBeatsDown: number;
  /** `full`: every beat whole, to every node (before 0.2); `delta`: changes, a slow refresh and ring-watched liveness. */
  beats?: BeatMode;
  /** Delta beats: how often the whole entry is sent anyway. */
  refreshMs?: number;
  /** Delta beats: how many nodes hear each node's liveness beats. */
  watchers?: number;
  /** What the cluster adds to this node's own record (its placed steps' slots and resources). */
  selfExtra?: () => Partial<NodeInfo>;
  /**
   * Since when this node's NATS connection has been up without a break (undefined: not connected). A "no responders"
   * for a node is believed only once its beat has been heard since then: right after NATS came back, others may not
   * have resubscribed yet.
   */
  connectedSinceMs?: () => number | undefined;
}

export const DEFAULT_REFRESH_MS = 30_000;
export const DEFAULT_WATCHERS = 3;

/**
 * Every node's record, kept live from the beats nodes publish on NATS: this node's own (taken from `self`, which
 * the gateway keeps up to date) is announced by the beat protocol (full or delta); a node whose beats stop for
 * `missedBeatsDown` intervals, or whose process is gone, is marked down. Without `self` it only observes (`wfx nodes`).
 */
export class ClusterNodeRegistry implements NodeRegistry {
  #wire: ClusterWire | undefined;
  readonly #self: NodeRegistry | undefined;
  readonly #options: ClusterRegistryOptions;
  readonly #view: NodeView;
  readonly #subs: Subscription[] = [];
  #timers: NodeJS.Timeout[] = [];
  #stopSelf: (() => void) | undefined;
  #settledAtMs: number | undefined;
  readonly #asking = new Set<string>();
  /** The beat each busy node was last asked early after: once per beat, not once per sweep. */
  readonly #askedEarly = new Map<string, number>();
  #announced = false;
  #protocol: BeatProtocol | undefined;
  #connectedSince: number | undefined;

  constructor(self: NodeRegistry | undefined, options: ClusterRegistryOptions) {
    this.#self = self;
    this.#options = options;
    this.#view = new NodeView(() => this.#self?.self().id);
  }

  /** Which beats this registry speaks (`delta` unless told otherwise). */
  get beats(): BeatMode {
    return this.#options.beats ?? "delta";
  }

  /**
   * Once NATS is reached: subscribes and asks the others for their entries. Until then it lists only this node. Beats
   * come through the wire: one without the cluster key never enters the registry.
   */
  attach(wire: ClusterWire): void {
    this.#wire = wire;
    const ctx = { wire, view: this.#view, heartbeatMs: this.#options.heartbeatMs, self: this.#self === undefined ? undefined : () => this.self() };
    this.#protocol = this.beats === "full" ? new FullBeats(ctx) : new DeltaBeats(ctx, { refreshMs: this.#options.refreshMs ?? DEFAULT_REFRESH_MS, watchers: this.#options.watchers ?? DEFAULT_WATCHERS });
    this.#protocol.attach();
    this.#connectedSince = this.#options.connectedSinceMs?.();
    this.#timers.push(setInterval(() => this.#sweep(), Math.max(50, Math.min(125, this.#options.heartbeatMs / 4))).unref());
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
    this.#subs.push(wire.subscribe(aliveSubject(id), (msg) => msg.respond(encodeJson({ instance: this.self().instance, started_at: this.self().started_at }))));
    // Every change of this node (load, gateways, status) goes to the protocol, which says it now or coalesced.
    this.#stopSelf = self.watch(0, () => this.changed());
    this.#protocol?.announce();
  }

  /** From when every live node has beaten at least once since this one attached (undefined before NATS is reached). */
  settledAtMs(): number | undefined {
    return this.#settledAtMs;
  }

  /**
   * Whether `id` has been heard since this node's connection last came up: then that node was subscribed on this
   * connection's server, so a "no responders" for it means its process is gone (not that it has not resubscribed).
   */
  heardSinceConnected(id: string): boolean {
    const since = this.#options.connectedSinceMs?.();
    const seen = this.#view.nodes.get(id);
    return since !== undefined && seen !== undefined && seen.lastBeatMs > since;
  }

  /** One node as seen now (this one included); undefined when the registry has no record of it. */
  node(id: string): NodeInfo | undefined {
    if (this.#self !== undefined && id === this.#self.self().id) return this.self();
    return this.#view.nodes.get(id)?.info;
  }

  self(): NodeInfo {
    if (this.#self === undefined) return { id: "observer", tags: [], capacity: 0, load: 0, gateways: [], version: "", started_at: 0, status: "down" };
    const extra = this.#options.selfExtra;
    return extra === undefined ? this.#self.self() : { ...this.#self.self(), ...extra() };
  }

  /** The nodes known now, this one first: what placement chooses from. */
  snapshot(): NodeInfo[] {
    if (this.#self === undefined) return this.#view.infos();
    const selfId = this.#self.self().id;
    return [this.self(), ...this.#view.infos().filter((n) => n.id !== selfId)];
  }

  /** This node's record changed: the protocol announces it (at the end of the current burst). */
  changed(): void {
    if (this.#announced) this.#protocol?.changed();
  }

  async list(): Promise<NodeInfo[]> {
    return this.snapshot().sort((a, b) => a.id.localeCompare(b.id));
  }

  watch(afterSeq: number, listener: (event: NodeEvent) => void): () => void {
    return this.#view.watch(afterSeq, listener, () => this.list());
  }

  /** Leaves the cluster: a last entry says `down`, so the others need not wait for the missed beats. */
  async close(): Promise<void> {
    this.#stopSelf?.();
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    const wire = this.#wire;
    if (this.#announced && wire !== undefined && !wire.nc.isClosed()) {
      this.#protocol?.leave();
      await wire.nc.flush().catch(() => undefined);
    }
    this.#protocol?.close();
    for (const sub of this.#subs) sub.unsubscribe();
  }

  /** Nodes whose beats stopped are down; long-down ones are forgotten; after a NATS break, ask again. */
  #sweep(): void {
    const now = Date.now();
    const connected = this.#options.connectedSinceMs?.();
    if (connected !== undefined && this.#connectedSince !== undefined && connected !== this.#connectedSince) this.#protocol?.reconnected();
    if (connected !== undefined) this.#connectedSince = connected;
    const downAfter = this.#options.heartbeatMs * this.#options.missedBeatsDown;
    const unheardAfter = Math.max(downAfter, UNHEARD_REFRESHES * (this.#options.refreshMs ?? DEFAULT_REFRESH_MS));
    for (const [id, seen] of this.#view.nodes) {
      const hearsSince = this.#protocol?.hearsSince(id);
      const silent = now - Math.max(seen.lastBeatMs, hearsSince ?? 0);
      if (seen.info.status === "down") {
        if (silent > downAfter * FORGET_AFTER_PERIODS) {
          this.#view.forget(id);
          this.#askedEarly.delete(id);
        }
      } else if (hearsSince === undefined) {
        if (silent > unheardAfter) this.#view.markDown(id);
      } else if (silent > downAfter) {
        this.#judgeDown(seen);
      } else if (silent > this.#options.heartbeatMs + OVERDUE_GRACE_MS) {
        this.#askAlive(id, seen);
      } else if (silent > this.#options.heartbeatMs / 2 && loadStateOf(seen.info) !== "idle" && this.#askedEarly.get(id) !== now - silent) {
        // A node running work is asked half a beat early too, once a beat: its crash starts failover's clock.
        this.#askedEarly.set(id, now - silent);
        this.#askAlive(id, seen);
      }
    }
  }

  #judgeDown(seen: Seen): void {
    if (this.#view.markDown(seen.info.id)) this.#protocol?.judgedDown(seen);
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
        const current = this.#view.nodes.get(id);
        if (noResponders && current === seen && seen.lastBeatMs === beatSeen && seen.info.status !== "down") this.#judgeDown(seen);
      },
    );
  }
}
