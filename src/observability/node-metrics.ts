import { freemem, loadavg, totalmem } from "node:os";
import type { ExecutionEvent, ExecutionMode, ExecutionRecord, StepUsage } from "../engine/internal.js";
import { knownLabel, type ExecutionLabels } from "./metric-labels.js";
import { MetricsRegistry, type Counter, type Gauge, type Histogram } from "./metrics-registry.js";

/** What the queue gauges show: depth per priority (index = priority), the oldest wait, how many keys wait. */
export interface QueueStats {
  depthByPriority: readonly number[];
  oldestSeconds: number;
  keys: number;
}

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30];
const STEP_ENDS = new Set(["step.completed", "step.failed", "step.skipped"]);

/**
 * What a node exposes at /metrics: executions by status and mode, step durations, queue depth, watchers, requests,
 * model tokens and calls by model and workflow, and the node's load and memory.
 */
export class NodeMetrics {
  readonly registry = new MetricsRegistry();
  readonly executionsStarted: Counter;
  readonly executionsFinished: Counter;
  readonly executionsRunning: Gauge;
  readonly pendingExecutions: Gauge;
  readonly stepDuration: Histogram;
  readonly activeWatchers: Gauge;
  readonly watcherPauses: Counter;
  readonly requests: Counter;
  readonly requestDuration: Histogram;
  readonly modelTokens: Counter;
  readonly modelCalls: Counter;
  readonly modelCallsWithoutUsage: Counter;
  readonly toolCalls: Counter;
  readonly stepCpu: Counter;
  readonly #running = new Map<ExecutionMode, number>();
  #pending = 0;
  #queue: () => QueueStats = () => ({ depthByPriority: [], oldestSeconds: 0, keys: 0 });

  constructor() {
    const r = this.registry;
    this.executionsStarted = r.counter("wfx_executions_started_total", "Executions that started running on this node, by mode");
    this.executionsFinished = r.counter("wfx_executions_finished_total", "Executions that ended on this node, by final status and mode");
    this.executionsRunning = r.gauge("wfx_executions_running", "Executions running now, by mode", () => [...this.#running].map(([mode, n]) => [{ mode }, n]));
    this.pendingExecutions = r.gauge("wfx_executions_pending", "Executions accepted but not yet running (queued, or being placed)", () => [[undefined, this.#pending]]);
    // Every priority always, so sum(wfx_queue_depth) (a KEDA trigger) reads 0 rather than nothing on an empty queue.
    r.gauge("wfx_queue_depth", "Executions waiting in the node's queue for a slot, by priority (0-9, 9 first)", () => Array.from({ length: 10 }, (_, p) => [{ priority: String(p) }, this.#queue().depthByPriority[p] ?? 0] as [Record<string, string>, number]));
    r.gauge("wfx_queue_oldest_seconds", "How long the oldest queued execution has waited", () => [[undefined, this.#queue().oldestSeconds]]);
    // Keys are the callers' (rendered from input): a count, never a label per key.
    r.gauge("wfx_queue_keys", "Concurrency keys with executions waiting", () => [[undefined, this.#queue().keys]]);
    this.stepDuration = r.histogram("wfx_step_duration_seconds", "Duration of step attempts, by final step status", DURATION_BUCKETS);
    this.activeWatchers = r.gauge("wfx_active_watchers", "Open event streams (gRPC WatchExecution, SSE, watch_execution), by gateway");
    this.watcherPauses = r.counter("wfx_watcher_pauses_total", "Times an event stream's consumer was full; the stream then catches up from the store instead of buffering");
    this.requests = r.counter("wfx_requests_total", "Gateway requests, by gateway, method and outcome");
    this.requestDuration = r.histogram("wfx_request_duration_seconds", "Gateway request handling time, by gateway", REQUEST_BUCKETS);
    this.modelTokens = r.counter("wfx_model_tokens_total", "Tokens model endpoints reported for agent steps, by model, workflow and kind (prompt, completion)");
    this.modelCalls = r.counter("wfx_model_calls_total", "Model calls of agent steps, by model and workflow");
    this.modelCallsWithoutUsage = r.counter("wfx_model_calls_without_usage_total", "Model calls whose endpoint reported no usage (their tokens are not counted), by model and workflow");
    this.toolCalls = r.counter("wfx_agent_tool_calls_total", "Tool calls agents made, by workflow");
    this.stepCpu = r.counter("wfx_step_cpu_seconds_total", "CPU time of the process while steps ran (steps running at once share it), by workflow");
    r.gauge("wfx_node_load1", "The machine's 1-minute load average", () => [[undefined, loadavg()[0]!]]);
    r.gauge("wfx_node_memory_rss_bytes", "Resident memory of this node's process", () => [[undefined, process.memoryUsage.rss()]]);
    r.gauge("wfx_node_memory_free_bytes", "Free memory of the machine", () => [[undefined, freemem()]]);
    r.gauge("wfx_node_memory_total_bytes", "Total memory of the machine", () => [[undefined, totalmem()]]);
  }

  /** Where the queue gauges read from (the node's ExecutionQueue). */
  watchQueue(stats: () => QueueStats): void {
    this.#queue = stats;
  }

  /** Counts what step attempts reported using, as their retrying or end event arrives. */
  #countUsage(usage: StepUsage, labels: ExecutionLabels): void {
    const { workflow } = labels;
    if (usage.tool_calls) this.toolCalls.inc({ workflow }, usage.tool_calls);
    for (const [name, share] of Object.entries(usage.by_model ?? {})) {
      const model = knownLabel(name, labels.models);
      this.modelCalls.inc({ model, workflow }, share.calls);
      if (share.unknown_usage_calls > 0) this.modelCallsWithoutUsage.inc({ model, workflow }, share.unknown_usage_calls);
      this.modelTokens.inc({ model, workflow, kind: "prompt" }, share.prompt_tokens);
      this.modelTokens.inc({ model, workflow, kind: "completion" }, share.completion_tokens);
    }
  }

  /**
   * Starts counting an execution that is about to start: `onEvent` must see all its events; `abandon` undoes the count
   * when the runtime refused to start it after all. Its series carry `labels`, never names from its record.
   */
  track(mode: ExecutionMode, labels: ExecutionLabels): { onEvent: (event: ExecutionEvent, record: ExecutionRecord) => void; abandon(): void } {
    this.#pending++;
    let started = false;
    let ended = false;
    const stepStarts = new Map<string, number>();
    const onEvent = (event: ExecutionEvent, record: ExecutionRecord) => {
      if (event.type === "execution.started" && !started) {
        started = true;
        this.#pending--;
        this.executionsStarted.inc({ mode });
        this.#running.set(mode, (this.#running.get(mode) ?? 0) + 1);
      } else if (event.type === "step.started" && event.step !== undefined) {
        stepStarts.set(`${event.step}#${event.attempt ?? 1}`, event.time);
      } else if (event.type === "step.retrying") {
        const usage = (event.data as { usage?: StepUsage } | undefined)?.usage;
        if (usage !== undefined) this.#countUsage(usage, labels);
      } else if (STEP_ENDS.has(event.type) && event.step !== undefined) {
        const key = `${event.step}#${event.attempt ?? 1}`;
        const usage = (event.data as { usage?: StepUsage } | undefined)?.usage;
        if (usage !== undefined) this.#countUsage(usage, labels);
        const begun = stepStarts.get(key);
        if (begun !== undefined) {
          this.stepDuration.observe((event.time - begun) / 1000, { status: event.type.slice(5) });
          stepStarts.delete(key);
        }
      } else if (event.type.startsWith("execution.") && event.type !== "execution.progress" && event.type !== "execution.started" && !ended) {
        ended = true;
        this.executionsFinished.inc({ status: record.status, mode });
        // From the execution's totals: steps too short to carry usage of their own count here too.
        const cpuMs = record.usage?.cpu_ms ?? 0;
        if (cpuMs > 0) this.stepCpu.inc({ workflow: labels.workflow }, cpuMs / 1000);
        if (started) this.#running.set(mode, (this.#running.get(mode) ?? 1) - 1);
        else this.#pending--;
      }
    };
    const abandon = () => {
      if (started || ended) return;
      ended = true;
      this.#pending--;
    };
    return { onEvent, abandon };
  }

  render(): string {
    return this.registry.render();
  }
}
