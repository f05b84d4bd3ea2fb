import { SUBJECTS } from "../subjects.js";
import type { BeatContext, BeatProtocol } from "./beat-protocol.js";
import { decodeEntry, encodeEntry } from "./registry-messages.js";

const EMPTY = new Uint8Array(0);
/** Changes of this node are announced at most this often: steps starting and ending by the thousand make one beat per period. */
const CHANGE_BEAT_MS = 50;

/**
 * Today's beats, kept selectable (`beats: "full"`) so the two designs are measured from the same code: every node
 * publishes its whole record every heartbeat and on every change, and every node hears every one (n² messages a beat).
 */
export class FullBeats implements BeatProtocol {
  readonly #ctx: BeatContext;
  readonly #subs: { unsubscribe(): void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #beatScheduled = false;
  #lastBeatMs = 0;
  #announced = false;

  constructor(ctx: BeatContext) {
    this.#ctx = ctx;
  }

  attach(): void {
    const { wire, view } = this.#ctx;
    this.#subs.push(wire.subscribe(SUBJECTS.beat, (msg) => {
      const entry = decodeEntry(msg.body);
      if (entry !== undefined) view.entry(entry, Date.now());
    }));
    wire.publish(SUBJECTS.hello, EMPTY);
  }

  announce(): void {
    this.#announced = true;
    this.#subs.push(this.#ctx.wire.subscribe(SUBJECTS.hello, () => this.#beat()));
    this.#timer = setInterval(() => this.#beat(), this.#ctx.heartbeatMs).unref();
    this.#beat();
  }

  /** Announced at the end of the current burst, or CHANGE_BEAT_MS after the last beat. */
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

  hearsSince(): number {
    return 0;
  }

  judgedDown(): void {}

  reconnected(): void {}

  leave(): void {
    const self = this.#ctx.self;
    if (this.#announced && self !== undefined) this.#ctx.wire.publish(SUBJECTS.beat, encodeEntry({ ...self(), status: "down" }));
  }

  close(): void {
    clearInterval(this.#timer);
    for (const sub of this.#subs) sub.unsubscribe();
  }

  #beat(): void {
    const { wire, self } = this.#ctx;
    if (!this.#announced || self === undefined || wire.nc.isClosed()) return;
    this.#lastBeatMs = Date.now();
    wire.publish(SUBJECTS.beat, encodeEntry(self()));
  }
}
