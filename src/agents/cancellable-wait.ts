import type { Clock } from "../actors/index.js";
import { AgentError } from "./errors.js";

export function cancelledError(signal: AbortSignal): AgentError {
  return new AgentError("WFX_CANCELLED", "the model call was cancelled", { hint: "the calling step was cancelled or timed out", cause: signal.reason });
}

/** Waits `ms` on `clock`, or rejects WFX_CANCELLED as soon as `signal` aborts. */
export function cancellableWait(ms: number, signal: AbortSignal, clock: Pick<Clock, "setTimeout" | "clearTimeout">): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelledError(signal));
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(cancelledError(signal));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
