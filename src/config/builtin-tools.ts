/**
 * Tool types the runtime ships. A tool reference may name a declared tool id or one of these types
 * (the built-in instance of that type); new tool factories add their type here.
 */
export const BUILTIN_TOOL_TYPES = ["filesystem", "http", "mcpremote", "mcpworkflow_executor"] as const;

export type BuiltinToolType = (typeof BUILTIN_TOOL_TYPES)[number];
