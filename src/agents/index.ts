export { defaultAgentOptions, DEFAULT_AGENT_OPTIONS, resolveAgentOptions, type AgentOptions } from "./agent-options.js";
export type { AgentAccounting } from "./agent-accounting.js";
export { runAgent, type AgentProgress, type AgentRun } from "./agent-loop.js";
export { ChatModel, retryAfterMs, toAgentError, type ChatCallOptions, type ChatMessage, type ChatReply, type ChatRequest, type ChatTool, type ReportedTokens, type ToolCallRequest } from "./chat-model.js";
export { endpointFrom, endpointsFor } from "./endpoints.js";
export { AgentError } from "./errors.js";
export { functionNameOf, resultText, toChatTool } from "./tool-functions.js";
