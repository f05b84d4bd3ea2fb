export type { Tool, ToolCallContext, ToolCreateContext, ToolFactory } from "./types.js";
export { cancelled, ToolError } from "./errors.js";
export { ToolRegistry, defaultToolRegistry, type ToolDefinition, type ToolRegistryOptions } from "./registry.js";
export { codebaseArgsSchema, codebaseIndexerToolFactory, type CodebaseArgs, type CodebaseMatch } from "./codebase-indexer.js";
export { hostAllowed, HTTP_DEFAULT_MAX_BYTES, httpArgsSchema, httpToolFactory, type HttpArgs, type HttpResult } from "./http.js";
export { LIST_TOOLS_METHOD, mcpRemoteArgsSchema, mcpRemoteToolFactory, type McpRemoteArgs } from "./mcp-remote.js";
export { DEFAULT_MAX_META_DEPTH, metaDepthExceeded, startsExecution, WORKFLOW_EXECUTOR_METHODS, workflowExecutorArgsSchema, workflowExecutorToolFactory, type WorkflowExecutorArgs, type WorkflowExecutorClient, type WorkflowExecutorMethod } from "./workflow-executor.js";
export {
  filesystemToolFactory,
  filesystemArgsSchema,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_MATCHES,
  type FilesystemArgs,
  type FilesystemEntry,
  type FilesystemResult,
} from "./filesystem.js";
export { compileGlob, type GlobMatcher } from "./glob.js";
