import type { AgentDef, AgentEndpoint } from "../config/index.js";
import { describeIssues, toErrorInfo } from "../errors.js";
import type { Tool } from "../tools/index.js";
import type { AgentOptions } from "./agent-options.js";
import type { AgentAccounting } from "./agent-accounting.js";
import { ChatModel, type ChatMessage, type ToolCallRequest } from "./chat-model.js";
import { AgentError } from "./errors.js";
import { functionNameOf, resultText, toChatTool } from "./tool-functions.js";
import { given } from "../present.js";
import type { TraceContext } from "../observability/trace-context.js";
import { endModelSpan, startModelSpan, startToolSpan } from "./agent-spans.js";
import type { ModelRateLimiter, RateLimitReason } from "./model-rate-limiter.js";

/** What an agent step reports while it runs; each becomes a `step.progress` event of the execution. */
export type AgentProgress =
  | { kind: "tokens"; agent: string; turn: number; text: string }
  | { kind: "rate_limited"; agent: string; turn: number; model: string; reason: RateLimitReason; wait_ms: number }
  | { kind: "model_retry"; agent: string; turn: number; attempt: number; delay_ms: number; error: { code: string; message: string } }
  | { kind: "tool_call"; agent: string; turn: number; call_id: string; tool: string; arguments: unknown }
  | { kind: "tool_result"; agent: string; turn: number; call_id: string; tool: string; ok: boolean; result?: string; error?: { code: string; message: string; hint?: string } };

export interface AgentRun {
  agent: AgentDef;
  endpoint: AgentEndpoint;
  tools: readonly Tool[];
  input: unknown;
  options: Readonly<AgentOptions>;
  signal: AbortSignal;
  progress(data: AgentProgress): void;
  /** Passed to tools, so the executor tool can tell which execution calls it. */
  executionId?: string;
  /** Counts every model and tool call and stops the agent at its budgets; absent: nothing is counted. */
  accounting?: AgentAccounting;
  /** The step attempt's trace context: each model and tool call gets a span under it. */
  trace?: TraceContext;
  /** Model calls wait here for their share of the endpoint's limits; absent: they go at once. */
  limiter?: ModelRateLimiter;
}

function userMessage(input: unknown): string {
  if (input === undefined || input === null || input === "") return "(no input)";
  return typeof input === "string" ? input : JSON.stringify(input, null, 2);
}

function systemPrompt(agent: AgentDef): string {
  if (agent.system_prompt !== undefined) return agent.system_prompt;
  return `You are ${agent.id}${agent.description === undefined ? "" : `: ${agent.description}`}. Answer the user's input.`;
}

/** Coalesces streamed tokens into one progress event per interval. */
function tokenForwarder(run: AgentRun, turn: number): { push(text: string): void; flush(): void } {
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending === "") return;
    run.progress({ kind: "tokens", agent: run.agent.id, turn, text: pending });
    pending = "";
  };
  return {
    push(text) {
      pending += text;
      timer ??= setTimeout(flush, run.options.progressIntervalMs);
    },
    flush,
  };
}

/**
 * Runs one agent step: the model answers the input, calling the agent's tools as it likes (each call an event),
 * until it answers without a tool call or `max_turns` model calls are spent. Returns the final answer's text.
 */
export async function runAgent(run: AgentRun): Promise<string> {
  const { accounting } = run;
  // A budget shared with other steps aborts this agent's in-flight call when they spend it.
  const signal = accounting?.signal === undefined ? run.signal : AbortSignal.any([run.signal, accounting.signal]);
  try {
    return await agentTurns({ ...run, signal });
  } catch (error) {
    if (accounting?.signal?.aborted && !run.signal.aborted) throw accounting.signal.reason;
    throw error;
  }
}

async function agentTurns(run: AgentRun): Promise<string> {
  const { agent, options, signal, accounting } = run;
  const model = new ChatModel(run.endpoint, options, run.limiter);
  const byName = new Map(run.tools.map((t) => [functionNameOf(t.id), t]));
  const chatTools = run.tools.map(toChatTool);
  const messages: ChatMessage[] = [
    { role: "system", content: systemPrompt(agent) },
    { role: "user", content: userMessage(run.input) },
  ];
  const maxTurns = agent.max_turns ?? options.maxTurns;
  for (let turn = 1; turn <= maxTurns; turn++) {
    accounting?.beforeModelCall();
    const tokens = tokenForwarder(run, turn);
    const span = startModelSpan(run.trace, run.endpoint, agent.id, turn);
    let reply;
    try {
      reply = await model.complete(
        { messages, tools: chatTools, stream: agent.stream ?? true, ...given({ temperature: agent.temperature }), ...given({ maxTokens: agent.max_tokens }) },
        {
          signal,
          onToken: tokens.push,
          onRetry: ({ attempt, delayMs, error }) => run.progress({ kind: "model_retry", agent: agent.id, turn, attempt, delay_ms: delayMs, error: { code: error.code, message: error.message } }),
          onRateLimited: ({ model: name, reason, waitMs }) => run.progress({ kind: "rate_limited", agent: agent.id, turn, model: name, reason, wait_ms: waitMs }),
          onRateLimitWaited: (ms) => accounting?.rateLimited?.(ms),
          ...(agent.timeout === undefined ? {} : { timeoutMs: agent.timeout * 1000 }),
        },
      );
    } catch (error) {
      span.fail(toErrorInfo(error));
      span.end();
      throw error;
    } finally {
      tokens.flush();
    }
    endModelSpan(span, reply.usage, reply.finishReason);
    accounting?.modelCalled(run.endpoint.model, reply.usage);
    if (reply.toolCalls.length === 0) return reply.content;
    messages.push({
      role: "assistant",
      content: reply.content === "" ? null : reply.content,
      tool_calls: reply.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })),
    });
    for (const call of reply.toolCalls) messages.push({ role: "tool", tool_call_id: call.id, content: await callTool(run, byName, call, turn) });
  }
  throw new AgentError("WFX_AGENT_MAX_TURNS", `agent '${agent.id}' was still calling tools after ${maxTurns} model turns`, {
    hint: "raise the agent's max_turns, or make its task smaller",
  });
}

/** Runs one tool call and returns what the model is told; a failing call is reported to the model, not thrown. */
async function callTool(run: AgentRun, tools: ReadonlyMap<string, Tool>, call: ToolCallRequest, turn: number): Promise<string> {
  const base = { agent: run.agent.id, turn, call_id: call.id, tool: call.name };
  let args: unknown;
  try {
    args = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch {
    args = call.arguments;
  }
  run.progress({ kind: "tool_call", ...base, arguments: args });
  const fail = (error: { code: string; message: string; hint?: string }) => {
    run.progress({ kind: "tool_result", ...base, ok: false, error });
    return JSON.stringify({ error });
  };
  run.accounting?.toolCall();
  const tool = tools.get(call.name);
  if (tool === undefined) return fail({ code: "WFX_AGENT_UNKNOWN_TOOL", message: `no tool named '${call.name}'`, hint: `tools offered: ${[...tools.keys()].join(", ") || "(none)"}` });
  if (typeof args === "string") return fail({ code: "WFX_TOOL_BAD_ARGS", message: `arguments are not JSON: ${call.arguments.slice(0, 200)}`, hint: "send the arguments as a JSON object" });
  const parsed = tool.inputSchema.safeParse(args);
  if (!parsed.success) {
    return fail({ code: "WFX_TOOL_BAD_ARGS", message: `tool '${call.name}' rejected its arguments: ${describeIssues(parsed.error.issues, "(arguments)")}`, hint: "match the tool's parameters schema" });
  }
  const span = startToolSpan(run.trace, call.name, call.id);
  try {
    const result = await tool.call(parsed.data, { signal: run.signal, ...given({ executionId: run.executionId }) });
    span.end();
    const text = resultText(result, run.options.maxToolResultChars);
    run.progress({ kind: "tool_result", ...base, ok: true, result: text.length > 2000 ? `${text.slice(0, 2000)}…` : text });
    return text;
  } catch (error) {
    span.fail(toErrorInfo(error));
    span.end();
    if (run.signal.aborted) throw error;
    return fail(toErrorInfo(error));
  }
}
