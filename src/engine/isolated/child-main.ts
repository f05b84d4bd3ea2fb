import { createActorSystem, type ActorRef } from "../../actors/index.js";
import { endpointFrom } from "../../agents/index.js";
import { defaultToolRegistry } from "../../tools/index.js";
import { planFor, supervisorFor } from "../services.js";
import { TERMINAL_EVENT_TYPES, type ExecutionEvent } from "../types.js";
import { emptyUsage, type Usage } from "../usage.js";
import { IpcTransport } from "./ipc-transport.js";
import { ParentExecutor } from "./parent-executor.js";
import { ParentRateLimiter } from "./parent-rate-limiter.js";
import { isolatedSystemId, type ToChild, type ToParent } from "./protocol.js";
import { given } from "../../present.js";
import { startTracing } from "../../observability/tracing-config.js";

/** Entry point of an isolated process: waits (warm) for one execute order, runs it, reports over IPC, exits. */

// Only when the parent passed OTEL_* settings (a traced node): then the SDK loads now, while the process is a warm spare.
const tracing = await startTracing(process.env, undefined, undefined);
const system = createActorSystem({ id: isolatedSystemId(process.pid) });
const toParent = new IpcTransport(process);
let busy = false;

function send(message: ToParent): void {
  process.send?.(message);
}

const executor = new ParentExecutor(send);
const limiter = new ParentRateLimiter(send);

/** This process runs one execution: what it used, as the process measures itself, goes in the final event. */
function withOwnUsage(event: ExecutionEvent): ExecutionEvent {
  const own = process.resourceUsage();
  const isolated = { cpu_ms: Math.round((own.userCPUTime + own.systemCPUTime) / 1000), peak_rss_bytes: own.maxRSS * 1024 };
  const data = (event.data ?? {}) as { usage?: Usage };
  return { ...event, data: { ...data, usage: { ...(data.usage ?? emptyUsage()), isolated } } };
}

function exitWhenSent(): void {
  // The final event must reach the parent before the process goes, and its spans the collector.
  process.send?.({ t: "bye" } satisfies ToParent, () => {
    // A collector that does not answer must not keep the process alive for the exporter's 30 s timeout.
    setTimeout(() => process.exit(0), 2000).unref();
    void tracing.shutdown().finally(() => process.exit(0));
  });
}

process.on("message", (message: ToChild) => {
  if (message.t === "actor") {
    system.deliver(message.address, message.message);
    return;
  }
  if (message.t === "executor_reply") {
    executor.settle(message);
    return;
  }
  if (message.t === "limit_reply" || message.t === "limit_wait") {
    limiter.answered(message);
    return;
  }
  if (message.t !== "execute" || busy) return;
  busy = true;
  system.registerTransport(message.parentSystemId, toParent);
  const remote: ActorRef<ExecutionEvent> = system.refFor(message.reporter);
  const reporter: ActorRef<ExecutionEvent> = {
    address: remote.address,
    tell(event) {
      const terminal = TERMINAL_EVENT_TYPES.has(event.type);
      remote.tell(terminal ? withOwnUsage(event) : event);
      if (terminal) exitWhenSent();
    },
  };
  const plan = planFor(message.file, message.workflowName, message.filePath);
  const deps = { system, tools: defaultToolRegistry(message.executor ? { workflowExecutor: executor } : {}), node: message.node, env: message.env, endpointOf: endpointFrom(message.agentEndpoints), agentOptions: message.agentOptions, limiter, limits: message.limits, ...given({ caller: message.caller }) };
  system.spawn(
    supervisorFor(deps, { executionId: message.executionId, plan, input: message.input, reporter, timeoutMs: message.timeoutMs, budget: message.budget, ...given({ resume: message.resume, trace: message.trace, afterSeq: message.afterSeq }) }),
    { name: message.executionId },
  );
});

// The parent going away must not leave this process running an orphan execution.
process.on("disconnect", () => process.exit(1));
send({ t: "ready" });
