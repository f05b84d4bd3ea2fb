import type { Transport } from "../../actors/index.js";
import type { ActorEnvelope } from "./protocol.js";

interface IpcEndpoint {
  send?(message: unknown): boolean;
  connected?: boolean;
}

/** Carries actor messages over a Node IPC channel: a child process from the parent's side, or `process` from the child's. */
export class IpcTransport implements Transport {
  readonly #endpoint: IpcEndpoint;

  constructor(endpoint: IpcEndpoint) {
    this.#endpoint = endpoint;
  }

  /** False when the other side is gone (its exit handler settles the execution): the kernel fails the send at once. */
  send(address: string, message: unknown): boolean {
    if (!this.#endpoint.connected || !this.#endpoint.send) return false;
    const envelope: ActorEnvelope = { t: "actor", address, message };
    this.#endpoint.send(envelope);
    return true;
  }
}
