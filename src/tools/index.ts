export type { Tool, ToolCallContext, ToolFactory } from "./types.js";
export { ToolError } from "./errors.js";
export { ToolRegistry, defaultToolRegistry, type ToolDefinition } from "./registry.js";
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
