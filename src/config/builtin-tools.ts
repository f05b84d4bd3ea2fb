/**
 * Tool types the runtime ships. A tool reference may name a declared tool id or one of these types
 * (the built-in instance of that type); new tool factories add their type here.
 * `codebase_indexer` is named (never declared) by the source document's Example 1; it is a read-only source search.
 */
export const BUILTIN_TOOL_TYPES = ["filesystem", "http", "mcpremote", "mcpworkflow_executor", "codebase_indexer"] as const;

export type BuiltinToolType = (typeof BUILTIN_TOOL_TYPES)[number];

/** Types that mean nothing without settings of their own, so they must be declared under `tools:` before use. */
export const TOOL_TYPES_NEEDING_DECLARATION: readonly string[] = ["mcpremote"];

/** `agent_type` values: every one speaks the OpenAI chat-completions protocol, so they differ only in their endpoint. */
export const AGENT_TYPES = ["openai", "openai_compatible", "azure", "azure_openai", "vllm", "ollama", "lmstudio"] as const;
