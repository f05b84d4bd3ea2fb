import { BusyError, ShuttingDownError } from "./errors.js";

/**
 * How many executions this node runs at once, shared by every way in (the gateways, orders from other nodes); past the
 * cap a request is told the node is busy. Its count is the node's load in the registry.
 */
export class Admission {
  readonly capacity: number;
  #running = 0;
  #draining = false;
  readonly #onChange: (running: number) => void;

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

  /** From now on every acquire fails with ShuttingDownError. */
  drain(): void {
    this.#draining = true;
  }

  /** Takes work again (`wfx undrain`); a node shutting down never calls it. */
  undrain(): void {
    this.#draining = false;
  }
}
