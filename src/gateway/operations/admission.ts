import type { Principal } from "../auth/index.js";
import { BusyError, ShuttingDownError, TokenBusyError } from "../errors.js";
import { TokenCounts } from "./token-counts.js";

/**
 * How many executions this node runs at once, shared by every gateway; past the cap a request is told the node is busy.
 * Its count is the node's load in the registry; it belongs in the engine (see src/engine/node-registry.ts). Apart from
 * it, each token's own `max_running`, so one token cannot take every slot.
 */
export class Admission {
  readonly capacity: number;
  #running = 0;
  #draining = false;
  readonly #onChange: (running: number) => void;
  readonly #byToken = new TokenCounts();

  constructor(capacity: number, onChange: (running: number) => void = () => {}) {
    this.capacity = capacity;
    this.#onChange = onChange;
  }

  /** Takes a slot or throws BusyError / ShuttingDownError; the returned function gives it back (once). */
  acquire(): () => void {
    if (this.#draining) throw new ShuttingDownError();
    if (this.#running >= this.capacity) throw new BusyError(this.#running, this.capacity);
    this.#running++;
    this.#onChange(this.#running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#onChange(this.#running);
    };
  }

  /** Takes one of the caller's own running executions or throws TokenBusyError; held until the execution ends, wherever it runs. */
  acquireFor(principal: Principal): () => void {
    return this.#byToken.take(principal.id, principal.maxRunning, (running) => new TokenBusyError(principal.id, running));
  }

  /** Executions the token runs now (counted from this node). */
  runningFor(tokenId: string): number {
    return this.#byToken.held(tokenId);
  }

  /** From now on every acquire fails with ShuttingDownError. */
  drain(): void {
    this.#draining = true;
  }
}
