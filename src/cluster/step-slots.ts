import { settledWithin } from "../engine/internal.js";
import { once } from "../once.js";

/** What a node shows of its placed steps in its record: slots and resources, in use and free. */
export interface StepSlotsView {
  resources: { total: Record<string, number>; free: Record<string, number> };
  steps: { capacity: number; load: number };
}

/** Gives back what a reservation took; a second call does nothing. */
export type Release = () => void;

/**
 * The ledger of the placed steps a node runs: each takes a step slot and reserves the amounts of the node's numeric
 * resources its `placement.resources` asks for (`{gpu: 1}`), given back when the step ends. It is the truth a node
 * admits steps by; the records other nodes place from are a view of it, a beat behind.
 */
export class StepSlots {
  readonly #capacity: number;
  readonly #total: Readonly<Record<string, number>>;
  readonly #free: Record<string, number>;
  readonly #onChange: () => void;
  #load = 0;
  #draining = false;
  readonly #idle: (() => void)[] = [];

  constructor(capacity: number, total: Readonly<Record<string, number>>, onChange: () => void = () => undefined) {
    this.#capacity = capacity;
    this.#total = Object.freeze({ ...total });
    this.#free = { ...total };
    this.#onChange = onChange;
  }

  /** Takes a slot and the amounts asked, or says why the node cannot run the step now (and whether it ever could). */
  tryReserve(amounts: Readonly<Record<string, number>> = {}): Release | { refused: string; ever: boolean } {
    const wanted = Object.entries(amounts);
    if (this.#draining) return { refused: "it is draining", ever: false };
    const never = wanted.filter(([r, amount]) => (this.#total[r] ?? 0) < amount);
    if (this.#capacity === 0 || never.length > 0) return { refused: this.#capacity === 0 ? "it runs no placed steps (capacity.steps is 0)" : `it has ${never.map(([r]) => `${this.#total[r] ?? 0} ${r}`).join(", ")}`, ever: false };
    if (this.#load >= this.#capacity) return { refused: `its ${this.#capacity} step slots are all in use`, ever: true };
    const short = wanted.filter(([r, amount]) => (this.#free[r] ?? 0) < amount);
    if (short.length > 0) return { refused: short.map(([r]) => `${r} ${this.#free[r]}/${this.#total[r]} free`).join(", "), ever: true };
    this.#load++;
    for (const [r, amount] of wanted) this.#free[r] = this.#free[r]! - amount;
    this.#onChange();
    return once(() => {
      this.#load--;
      for (const [r, amount] of wanted) this.#free[r] = this.#free[r]! + amount;
      this.#onChange();
      if (this.#load === 0) this.#idle.splice(0).forEach((resolve) => resolve());
    });
  }

  /** Takes no new step from now on (`wfx drain`, shutdown); the ones running keep their slots until they end. */
  drain(): void {
    this.#draining = true;
  }

  /** Takes steps again (`wfx undrain`). */
  undrain(): void {
    this.#draining = false;
  }

  /** Resolves once no placed step runs here, or after `timeoutMs`; says how many still ran then. */
  async idle(timeoutMs: number): Promise<{ running: number }> {
    if (this.#load > 0) await settledWithin([new Promise<void>((resolve) => this.#idle.push(resolve))], timeoutMs);
    return { running: this.#load };
  }

  view(): StepSlotsView {
    return { resources: { total: { ...this.#total }, free: { ...this.#free } }, steps: { capacity: this.#capacity, load: this.#load } };
  }
}
