import type { AgentEndpoint } from "../config/index.js";
import { activeTracer } from "../observability/active-tracer.js";
import type { TraceContext } from "../observability/trace-context.js";
import { NOOP_SPAN, TRACE_ATTRIBUTES as A, type Span } from "../observability/tracer.js";
import type { ReportedTokens } from "./chat-model.js";

/** The GenAI provider name of an OpenAI-compatible endpoint: `openai` for OpenAI's own API, else what it is compatible with. */
const PROVIDER = "openai";

/** One model call's span (GenAI semantic conventions: `chat <model>`, a client span), under the step attempt's. */
export function startModelSpan(parent: TraceContext | undefined, endpoint: AgentEndpoint, agentId: string, turn: number): Span {
  const tracer = activeTracer();
  if (!tracer.enabled) return NOOP_SPAN;
  return tracer.startSpan(`chat ${endpoint.model}`, {
    parent,
    kind: "client",
    attributes: { [A.genAiOperation]: "chat", [A.genAiSystem]: PROVIDER, [A.genAiProvider]: PROVIDER, [A.genAiModel]: endpoint.model, [A.genAiAgentName]: agentId, "wfx.turn": turn, "server.address": hostOf(endpoint.baseURL) },
  });
}

/** What the endpoint reported: its token counts (absent when it reported none) and why it stopped. */
export function endModelSpan(span: Span, usage: ReportedTokens | undefined, finishReason: string): void {
  if (span === NOOP_SPAN) return;
  span.setAttributes({ [A.genAiInputTokens]: usage?.prompt_tokens, [A.genAiOutputTokens]: usage?.completion_tokens, [A.genAiFinishReasons]: finishReason });
  span.end();
}

/** One tool call an agent made (`execute_tool <name>`). */
export function startToolSpan(parent: TraceContext | undefined, tool: string, callId: string): Span {
  const tracer = activeTracer();
  if (!tracer.enabled) return NOOP_SPAN;
  return tracer.startSpan(`execute_tool ${tool}`, { parent, attributes: { [A.genAiOperation]: "execute_tool", [A.toolName]: tool, [A.toolCallId]: callId } });
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
