import type { Msg, NatsConnection, RequestOptions, Subscription } from "@nats-io/transport-node";
import { FRESHNESS_MS, SealRejected, type Seal } from "./cluster-seal.js";
import { ReplayGuard } from "./replay-guard.js";
import type { ClusterRejections } from "./rejections.js";
import { TurnEnd } from "../turn-end.js";

export interface WireOptions {
  /** Tenant data in the body: encrypted with the cluster key, not only signed. */
  encrypt?: boolean;
}

/** A message from another node that passed the check: its body, and a way to answer it (sealed too). */
export interface WireMessage {
  body: Uint8Array;
  subject: string;
  respond(body: Uint8Array, options?: WireOptions): void;
}

/**
 * The one place cluster messages cross NATS: what a node publishes, requests and answers is sealed under the cluster
 * key, and what it receives is opened, checked (authentic, fresh, not a replay) and only then handed on; a message
 * that fails is counted, logged sparingly and dropped. Handlers never see the raw connection's messages.
 */
export class ClusterWire {
  /** What this node sends at the end of the event loop's turn: one socket write for the turn's actor messages and the writes after them. */
  readonly turnEnd = new TurnEnd();

  constructor(
    readonly nc: NatsConnection,
    readonly seal: Seal,
    readonly rejections: ClusterRejections,
  ) {}

  publish(subject: string, body: Uint8Array, options: WireOptions = {}): void {
    this.nc.publish(subject, this.seal.seal(subject, body, options.encrypt));
  }

  /** Calls `handler` for each authentic, fresh message on `subject` seen once; the rest are dropped and counted. */
  subscribe(subject: string, handler: (message: WireMessage) => void): Subscription {
    const guard = new ReplayGuard(2 * FRESHNESS_MS);
    return this.nc.subscribe(subject, {
      callback: (_error, msg) => {
        const body = this.open(msg.subject, msg.data, guard);
        if (body !== undefined) handler(this.#message(msg, body));
      },
    });
  }

  /** Sends a sealed request; resolves with the answer's body once it passed the check (a forged answer is dropped and counted, and the request then times out). */
  async request(subject: string, body: Uint8Array, options: RequestOptions & WireOptions): Promise<Uint8Array> {
    const reply = await this.nc.request(subject, this.seal.seal(subject, body, options.encrypt), options);
    const opened = this.open(reply.subject, reply.data);
    if (opened === undefined) throw new SealRejected("bad_mac");
    return opened;
  }

  /** The body of a live frame on `subject`, or undefined (counted) when it fails the check. */
  open(subject: string, data: Uint8Array, guard?: ReplayGuard): Uint8Array | undefined {
    try {
      return this.seal.open(subject, data, guard === undefined ? { live: true } : { live: true, guard });
    } catch (error) {
      if (!(error instanceof SealRejected)) throw error;
      this.rejections.count(error.reason, subject, error.keyId);
      return undefined;
    }
  }

  #message(msg: Msg, body: Uint8Array): WireMessage {
    return {
      body,
      subject: msg.subject,
      respond: (answer, options = {}) => {
        if (msg.reply) this.nc.publish(msg.reply, this.seal.seal(msg.reply, answer, options.encrypt));
      },
    };
  }
}
