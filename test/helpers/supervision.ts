import type { ActorLogic, ActorRef, RestartPolicy, Signal } from "../../src/actors/index.js";

/** A restart policy with a short, jitter-free backoff (100 ms doubling to 250 ms), for tests on a simulated clock. */
export function restartPolicy(maxRestarts: number, withinMs = 60_000): RestartPolicy {
  return { kind: "restart", maxRestarts, withinMs, backoff: { initialMs: 100, maxMs: 250, multiplier: 2, jitter: 0 } };
}

/** A parent that spawns `child` with `policy` and records its signals. */
export function parentOf(child: ActorLogic<any, any>, policy: RestartPolicy | { kind: "stop" } | { kind: "escalate" }, signals: Signal[], refs: { child?: ActorRef<any> }): ActorLogic<null, unknown> {
  return {
    start(ctx) {
      refs.child = ctx.spawn(child, { name: "child", supervision: policy });
      return null;
    },
    receive: (s) => s,
    onSignal: (s, signal) => (signals.push(signal), s),
  };
}
