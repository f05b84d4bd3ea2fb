import { NOOP_TRACER, type Tracer } from "./tracer.js";

let current: Tracer = NOOP_TRACER;

/**
 * The process's tracer, as OpenTelemetry's own API keeps a global provider: a step actor on a remote node, an agent
 * loop and a supervisor reach it without every spec carrying it. A node installs it once at start; no-op until then.
 */
export function activeTracer(): Tracer {
  return current;
}

/** Makes `tracer` the process's; the returned function puts the no-op back (at shutdown) unless another took over. */
export function installTracer(tracer: Tracer): () => void {
  current = tracer;
  return () => {
    if (current === tracer) current = NOOP_TRACER;
  };
}
