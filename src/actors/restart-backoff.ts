import { backoffDelay } from "./backoff.js";
import type { KernelHost } from "./kernel-host.js";
import { RestartWindow } from "./supervision.js";
import type { RestartPolicy } from "./types.js";

/** A failed actor's wait before its next incarnation: failures counted in the policy's window, and the backoff timer. */
export class RestartBackoff {
  #window: RestartWindow | undefined = undefined;
  #timer: unknown = undefined;

  constructor(private readonly host: KernelHost) {}

  /** Calls `restart` after the backoff and returns the delay; undefined (no timer) once the window holds more failures than `maxRestarts`. */
  schedule(policy: RestartPolicy, restart: () => void): number | undefined {
    const host = this.host;
    const failures = (this.#window ??= new RestartWindow()).record(host.clock.now(), policy.withinMs);
    if (failures > policy.maxRestarts) return undefined;
    const delayMs = backoffDelay(policy.backoff, failures, host.random); // the backoff starts over with each window
    this.#timer = host.clock.setTimeout(() => {
      this.#timer = undefined;
      restart();
    }, delayMs);
    return delayMs;
  }

  cancel(): void {
    if (this.#timer === undefined) return;
    this.host.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
