import { randomBytes } from "node:crypto";
import type { NodeInfo } from "../../engine/internal.js";
import { entrySubject, liveSubject, snapshotSubject, SUBJECTS } from "../subjects.js";
import type { BeatContext, BeatProtocol } from "./beat-protocol.js";
import { LivenessRing } from "./liveness-ring.js";
import type { Seen } from "./node-view.js";
import { decodeEntry, decodeLiveBeat, decodeLoadBeat, decodeVerdict, encodeEntry, encodeHello, encodeLiveBeat, encodeLoadBeat, encodeVerdict, helloReplyOf, loadPartOf, materialKeyOf } from "./registry-messages.js";

const EMPTY = new Uint8Array(0);
/** A burst of changes (a drain, gateways bound one after another) is sent as one entry. */
const CHANGE_COALESCE_MS = 50;
/** Load changes go out at most this often (and only when the load changed). */
const LOAD_EVERY_MS = 1000;
const ENTRY_TIMEOUT_MS = 1000;
/** Refreshes of the whole cluster together stay under 1,000 / this many a second: each node's period grows with the cluster (100 s at 1,000 nodes). */
const REFRESH_GAP_PER_NODE_MS = 100;

export interface DeltaBeatOptions {
  /** How often a node sends its whole entry anyway, so one that missed a change converges. */
  refreshMs: number;
  /** How many nodes hear each node's liveness beats (its ring predecessors). */
  watchers: number;
}

/**
 * Beats that carry only changes: the whole entry when a node joins, when something material changes (status, tags,
 * capacity, gateways) and on a slow refresh (slower as the cluster grows); load changes coalesced; a liveness beat of a few bytes (the entry's
 * revision) every heartbeat, heard only by the node's ring watchers. A newcomer asks every node for its entry at once
 * (a hello with a reply subject: n messages to it alone); a beat naming a revision newer than the copy held is
 * answered by asking that node for its entry.
 */
export class DeltaBeats implements BeatProtocol {
  readonly #ctx: BeatContext;
  readonly #options: DeltaBeatOptions;
  readonly #subs: { unsubscribe(): void }[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #asking = new Set<string>();
  readonly #inbox = snapshotSubject(randomBytes(8).toString("hex"));
  #ring: LivenessRing | undefined;
  #announced = false;
  #rev = 0;
  #material = "";
  #loadSent = "";
  /** What the others last heard of this node's load: idle, busy or full (a change of it is sent at once). */
  #stateSent: LoadState = "idle";
  #lastLoadMs = 0;
  #entryScheduled = false;
  #loadScheduled = false;

  constructor(ctx: BeatContext, options: DeltaBeatOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  attach(): void {
    const { wire, view } = this.#ctx;
    const onEntry = (data: Uint8Array) => {
      const entry = decodeEntry(data);
      if (entry !== undefined) view.entry(entry, Date.now());
    };
    this.#subs.push(wire.subscribe(SUBJECTS.beat, (msg) => onEntry(msg.body)));
    this.#subs.push(wire.subscribe(this.#inbox, (msg) => onEntry(msg.body)));
    this.#subs.push(wire.subscribe(SUBJECTS.load, (msg) => {
      const beat = decodeLoadBeat(msg.body);
      if (beat !== undefined && beat.id !== this.#selfId() && view.load(beat.id, beat.rev, beat, Date.now()) !== "current") this.#askEntry(beat.id);
    }));
    this.#subs.push(wire.subscribe(SUBJECTS.down, (msg) => this.#onVerdict(msg.body)));
    wire.publish(SUBJECTS.hello, encodeHello(this.#inbox));
  }

  announce(): void {
    const { wire, self, heartbeatMs } = this.#ctx;
    if (self === undefined) return;
    this.#announced = true;
    this.#rev = 1;
    this.#material = materialKeyOf(self());
    const id = self().id;
    this.#subs.push(wire.subscribe(SUBJECTS.hello, (msg) => {
      const reply = helloReplyOf(msg.body);
      // Today's empty hello (a node with full beats) is answered as it expects: an entry to everyone.
      if (reply === undefined) this.#publishEntry();
      else if (!wire.nc.isClosed()) wire.publish(reply, encodeEntry(self(), this.#rev));
    }));
    this.#subs.push(wire.subscribe(entrySubject(id), (msg) => msg.respond(encodeEntry(self(), this.#rev))));
    this.#ring = new LivenessRing(wire, this.#ctx.view, id, this.#options.watchers, (from, data) => this.#onLiveBeat(from, data));
    this.#timers.push(setInterval(() => this.#liveBeat(), heartbeatMs).unref());
    // Refreshes spread over the period: a thousand nodes started together do not refresh in the same second.
    this.#refreshIn(Math.random() * this.#refreshPeriodMs());
    this.#publishEntry();
  }

  /** A material change is a new revision, sent in full within CHANGE_COALESCE_MS; a load change waits its turn. */
  changed(): void {
    if (!this.#announced || this.#entryScheduled) return;
    this.#entryScheduled = true;
    setTimeout(() => {
      this.#entryScheduled = false;
      const self = this.#ctx.self!();
      const material = materialKeyOf(self);
      if (material !== this.#material) {
        this.#material = material;
        this.#rev++;
        this.#publishEntry();
      } else if (JSON.stringify(loadPartOf(self)) !== this.#loadSent) {
        this.#scheduleLoad(loadStateOf(self) !== this.#stateSent);
      }
    }, CHANGE_COALESCE_MS).unref();
  }

  hearsSince(id: string): number | undefined {
    return this.#ring?.since(id);
  }

  judgedDown(seen: Seen): void {
    if (!this.#ctx.wire.nc.isClosed()) this.#ctx.wire.publish(SUBJECTS.down, encodeVerdict({ id: seen.info.id, ...(seen.info.instance === undefined ? {} : { instance: seen.info.instance }) }));
  }

  /** Back on NATS: ask every node again, and say this node's entry (a change made meanwhile reached nobody). */
  reconnected(): void {
    this.#ctx.wire.publish(SUBJECTS.hello, encodeHello(this.#inbox));
    this.#publishEntry();
  }

  leave(): void {
    const self = this.#ctx.self;
    if (this.#announced && self !== undefined) this.#ctx.wire.publish(SUBJECTS.beat, encodeEntry({ ...self(), status: "down" }, this.#rev + 1));
  }

  close(): void {
    // A change coalescing when the node leaves must not publish once the connection drains (nats.js throws then).
    this.#announced = false;
    for (const timer of this.#timers) clearInterval(timer);
    this.#ring?.close();
    for (const sub of this.#subs) sub.unsubscribe();
  }

  #selfId(): string | undefined {
    return this.#ctx.self?.().id;
  }

  #publishEntry(): void {
    const { wire, self } = this.#ctx;
    if (!this.#announced || self === undefined || wire.nc.isClosed()) return;
    const record = self();
    this.#loadSent = JSON.stringify(loadPartOf(record));
    this.#stateSent = loadStateOf(record);
    wire.publish(SUBJECTS.beat, encodeEntry(record, this.#rev));
  }

  #refreshPeriodMs(): number {
    let up = 0;
    for (const seen of this.#ctx.view.nodes.values()) if (seen.info.status !== "down") up++;
    return refreshPeriodMs(this.#options.refreshMs, up);
  }

  #refreshIn(delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.splice(this.#timers.indexOf(timer), 1);
      if (!this.#announced) return;
      this.#publishEntry();
      this.#refreshIn(this.#refreshPeriodMs());
    }, delayMs).unref();
    this.#timers.push(timer);
  }

  #liveBeat(): void {
    const { wire, self } = this.#ctx;
    if (this.#announced && self !== undefined && !wire.nc.isClosed()) wire.publish(liveSubject(self().id), encodeLiveBeat(this.#rev));
  }

  /** `now`: the node just filled up or has room again, which placers must know before the next second (they would be refused). */
  #scheduleLoad(now = false): void {
    if (this.#loadScheduled && !now) return;
    this.#loadScheduled = true;
    setTimeout(() => {
      this.#loadScheduled = false;
      const { wire, self } = this.#ctx;
      const part = loadPartOf(self!());
      const key = JSON.stringify(part);
      if (!this.#announced || key === this.#loadSent || wire.nc.isClosed()) return;
      this.#loadSent = key;
      this.#stateSent = loadStateOf(self!());
      this.#lastLoadMs = Date.now();
      wire.publish(SUBJECTS.load, encodeLoadBeat({ id: self!().id, rev: this.#rev, ...part }));
    }, now ? 0 : Math.max(0, this.#lastLoadMs + LOAD_EVERY_MS - Date.now())).unref();
  }

  #onLiveBeat(id: string, data: Uint8Array): void {
    const rev = decodeLiveBeat(data);
    if (rev !== undefined && this.#ctx.view.beat(id, rev, Date.now()) !== "current") this.#askEntry(id);
  }

  /** A verdict on this node itself while it lives (it was paused, or cut off a moment): it says otherwise at once. */
  #onVerdict(data: Uint8Array): void {
    const verdict = decodeVerdict(data);
    if (verdict === undefined) return;
    const self = this.#ctx.self?.();
    if (self !== undefined && verdict.id === self.id) {
      if (verdict.instance === undefined || verdict.instance === self.instance) this.#publishEntry();
      return;
    }
    this.#ctx.view.markDown(verdict.id, verdict.instance);
  }

  #askEntry(id: string): void {
    const wire = this.#ctx.wire;
    if (this.#asking.has(id) || wire.nc.isClosed()) return;
    this.#asking.add(id);
    wire.request(entrySubject(id), EMPTY, { timeout: ENTRY_TIMEOUT_MS }).then(
      (data) => {
        this.#asking.delete(id);
        const entry = decodeEntry(data);
        if (entry !== undefined) this.#ctx.view.entry(entry, Date.now());
      },
      () => this.#asking.delete(id),
    );
  }
}

/**
 * Every node's entry reaches every node on each refresh, so a fixed period would cost n² / period messages: the
 * period grows with the nodes one sees (`seen`), and the cluster's refreshes together stay near one per 100 ms.
 */
export function refreshPeriodMs(refreshMs: number, seen: number): number {
  return Math.max(refreshMs, seen * REFRESH_GAP_PER_NODE_MS);
}

/** Whether placement would find no room here: every execution slot or every step slot taken. */
export type LoadState = "idle" | "busy" | "full";

/**
 * Full: placers must stop sending (or may start again); busy: it runs work, so its crash is what failover waits on
 * and its watchers ask after it early. A change of state is news at once; a change of load within one waits its turn.
 */
export function loadStateOf(info: NodeInfo): LoadState {
  if ((info.capacity > 0 && info.load >= info.capacity) || (info.steps !== undefined && info.steps.capacity > 0 && info.steps.load >= info.steps.capacity)) return "full";
  return info.load > 0 || (info.steps?.load ?? 0) > 0 ? "busy" : "idle";
}
