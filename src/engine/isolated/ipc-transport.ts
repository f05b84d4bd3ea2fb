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

  send(address: string, message: unknown): void {
    if (!this.#endpoint.connected || !this.#endpoint.send) return; // the other side is gone; its exit handler settles the execution
    const envelope: ActorEnvelope = { t: "actor", address, message };
    this.#endpoint.send(envelope);
  }
}
