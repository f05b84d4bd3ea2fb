import { BusyError, ShuttingDownError } from "./errors.js";
import { once } from "../once.js";

/**
 * How many executions this node runs at once, shared by every way in (the gateways, orders from other nodes); past the
 * cap a request is told the node is busy. Its count is the node's load in the registry.
 */
export class Admission {
  readonly capacity: number;
  #running = 0;
  #draining = false;
  readonly #onChange: (running: number) => void;
  /** Told when a slot may have freed (one given back, or the node takes work again): the queue starts what waits. */
  readonly #onFree = new Set<() => void>();

  constructor(capacity: number, onChange: (running: number) => void = () => {}) {
    this.capacity = capacity;
    this.#onChange = onChange;
  }

  /** Takes a slot or throws BusyError / ShuttingDownError; the returned function gives it back (once). */
  acquire(): () => void {
    if (this.#draining) throw new ShuttingDownError();
    if (this.#running >= this.capacity) throw new BusyError(this.#running, this.capacity);
    return this.#take();
  }

  /** Takes a slot if one is free (undefined when full or draining); the returned function gives it back (once). */
  tryAcquire(): (() => void) | undefined {
    if (this.#draining || this.#running >= this.capacity) return undefined;
    return this.#take();
  }

  /** Takes a slot even past capacity: an execution taken over after its process died was admitted once, where it started. */
  takeOver(): () => void {
    return this.#take();
  }

  get running(): number {
    return this.#running;
  }

  get draining(): boolean {
    return this.#draining;
  }

  onFree(listener: () => void): () => void {
    this.#onFree.add(listener);
    return () => this.#onFree.delete(listener);
  }

  #take(): () => void {
    this.#running++;
    this.#onChange(this.#running);
    return once(() => {
      this.#running--;
      this.#onChange(this.#running);
      this.#freed();
    });
  }

  /** From now on every acquire fails with ShuttingDownError. */
  drain(): void {
    this.#draining = true;
  }

  /** Takes work again (`wfx undrain`); a node shutting down never calls it. */
  undrain(): void {
    this.#draining = false;
    this.#freed();
  }

  #freed(): void {
    for (const listener of this.#onFree) listener();
  }
}
