/** What the execution page knows about a run, rebuilt from its events alone (the same ones the SSE stream sends). */

export interface ExecutionEvent {
  execution_id: string;
  seq: number;
  type: string;
  time: number;
  step?: string;
  attempt?: number;
  data?: Record<string, unknown>;
}

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

export interface GraphStep {
  id: string;
  kind: string;
  deps: string[];
  for_each?: true;
}

export interface Attempt {
  attempt: number;
  start: number;
  end?: number;
  outcome?: "completed" | "retrying" | "failed" | "cancelled";
}

export interface ActivityLine {
  kind: "tokens" | "tool_call" | "tool_result" | "model_retry" | "iteration";
  text: string;
  iteration?: number;
}

export interface StepView {
  id: string;
  kind: string;
  status: string;
  node?: string;
  input?: unknown;
  output?: unknown;
  error?: ErrorInfo;
  attempts: Attempt[];
  fanOut?: { total: number; completed: number };
  activity: ActivityLine[];
  /** Why a pending step waits for a node; gone once it starts. */
  waiting?: string;
}

export interface ExecutionView {
  graph: GraphStep[];
  steps: Map<string, StepView>;
  status: string;
  startMs?: number;
  endMs?: number;
  result?: unknown;
  error?: ErrorInfo;
  node?: string;
}

export function emptyView(): ExecutionView {
  return { graph: [], steps: new Map(), status: "pending" };
}

const FINAL: Record<string, string> = { "execution.completed": "completed", "execution.failed": "failed", "execution.timeout": "timeout", "execution.cancelled": "cancelled" };

function stepOf(view: ExecutionView, id: string): StepView {
  let step = view.steps.get(id);
  if (!step) view.steps.set(id, (step = { id, kind: "step", status: "pending", attempts: [], activity: [] }));
  return step;
}

function closeAttempt(step: StepView, time: number, outcome: Attempt["outcome"]): void {
  const open = step.attempts.at(-1);
  if (open && open.end === undefined) Object.assign(open, { end: time, outcome });
}

function activityOf(data: Record<string, unknown>): ActivityLine | undefined {
  const inner = (data["data"] ?? data) as Record<string, unknown>;
  const iteration = typeof data["iteration"] === "number" ? (data["iteration"] as number) : undefined;
  const at = iteration === undefined ? {} : { iteration };
  switch (inner["kind"]) {
    case "tokens":
      return { kind: "tokens", text: String(inner["text"] ?? ""), ...at };
    case "tool_call":
      return { kind: "tool_call", text: `${String(inner["tool"] ?? inner["name"] ?? "tool")}(${JSON.stringify(inner["arguments"] ?? {})})`, ...at };
    case "tool_result":
      return { kind: "tool_result", text: inner["ok"] === false ? `error: ${JSON.stringify(inner["error"])}` : String(inner["result"] ?? ""), ...at };
    case "model_retry":
      return { kind: "model_retry", text: `model retry ${String(inner["attempt"])} in ${String(inner["delay_ms"])} ms`, ...at };
    default:
      return undefined;
  }
}

/** Applies one event in place; events already applied (seq at or below the last) are the caller's to drop. */
export function applyEvent(view: ExecutionView, event: ExecutionEvent): void {
  const data = event.data ?? {};
  if (event.type === "execution.queued") {
    view.status = "queued";
    return;
  }
  if (event.type === "execution.started" || event.type === "execution.resumed") {
    view.status = "running";
    view.startMs ??= event.time;
    if (typeof data["node"] === "string") view.node = data["node"];
    const graph = data["graph"] as GraphStep[] | undefined;
    if (Array.isArray(graph)) {
      view.graph = graph;
      for (const g of graph) stepOf(view, g.id).kind = g.kind;
    }
    return;
  }
  const final = FINAL[event.type];
  if (final !== undefined) {
    view.status = final;
    view.endMs = event.time;
    if (final === "completed") view.result = data["result"];
    else if (data["error"] !== undefined) view.error = data["error"] as ErrorInfo;
    for (const step of view.steps.values()) {
      if (step.status === "running" || step.status === "retrying") {
        step.status = final === "timeout" ? "timeout" : "cancelled";
        closeAttempt(step, event.time, "cancelled");
      } else if (step.status === "pending") {
        // Never started and never will: the record says cancelled too (src/engine/record.ts).
        step.status = "cancelled";
      }
    }
    return;
  }
  if (event.step === undefined) return;
  const step = stepOf(view, event.step);
  switch (event.type) {
    case "step.started":
      step.status = "running";
      delete step.waiting;
      if (typeof data["node"] === "string") step.node = data["node"];
      if (data["input"] !== undefined) step.input = data["input"];
      if (typeof data["for_each"] === "number") step.fanOut = { total: data["for_each"], completed: 0 };
      closeAttempt(step, event.time, "retrying");
      step.attempts.push({ attempt: event.attempt ?? step.attempts.length + 1, start: event.time });
      break;
    case "step.retrying":
      step.status = "retrying";
      step.error = data["error"] as ErrorInfo;
      // A fan-out's iteration retries inside the step's one attempt.
      if (data["iteration"] === undefined) closeAttempt(step, event.time, "retrying");
      break;
    case "step.completed":
      step.status = "completed";
      step.output = data["output"];
      delete step.error;
      if (step.fanOut) step.fanOut.completed = step.fanOut.total;
      closeAttempt(step, event.time, "completed");
      break;
    case "step.failed":
      step.status = typeof data["status"] === "string" ? data["status"] : "failed";
      step.error = data["error"] as ErrorInfo;
      closeAttempt(step, event.time, "failed");
      break;
    case "step.skipped":
      step.status = "skipped";
      break;
    case "step.progress": {
      if (data["kind"] === "pending" && typeof data["message"] === "string") {
        step.waiting = data["message"];
        break;
      }
      if (typeof data["completed"] === "number" && typeof data["total"] === "number") {
        step.fanOut = { total: data["total"], completed: data["completed"] };
        break;
      }
      const line = activityOf(data);
      if (!line) break;
      // Token chunks of the same iteration run on as one line, as a chat shows them.
      const last = step.activity.at(-1);
      if (line.kind === "tokens" && last?.kind === "tokens" && last.iteration === line.iteration) last.text += line.text;
      else step.activity.push(line);
      break;
    }
  }
}
