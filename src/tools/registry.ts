import { CALLER_POLICY_SETTING } from "../config/index.js";
import { callerDenied, ToolError } from "./errors.js";
import { codebaseIndexerToolFactory } from "./codebase-indexer.js";
import { filesystemToolFactory } from "./filesystem.js";
import { httpToolFactory } from "./http.js";
import { mcpRemoteToolFactory } from "./mcp-remote.js";
import { definitionWithSecrets } from "./tool-secrets.js";
import { workflowExecutorToolFactory, type WorkflowExecutorClient } from "./workflow-executor.js";
import type { Tool, ToolCreateContext, ToolFactory } from "./types.js";

/** One `tools:` entry of a workflow file. Types other than filesystem may carry their own top-level keys. */
export interface ToolDefinition {
  id: string;
  type: string;
  description?: string;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Maps a tool `type` to the factory that builds it. */
export class ToolRegistry {
  readonly #factories = new Map<string, ToolFactory>();

  /** What this registry's `mcpworkflow_executor` tools call (isolated processes forward their calls to it). */
  constructor(readonly workflowExecutor?: WorkflowExecutorClient) {}

  register(factory: ToolFactory): this {
    if (this.#factories.has(factory.type)) {
      throw new ToolError("WFX_DUPLICATE_TOOL_TYPE", `a tool factory for type '${factory.type}' is already registered`, {
        hint: "register each tool type once, or use a new registry",
      });
    }
    this.#factories.set(factory.type, factory);
    return this;
  }

  has(type: string): boolean {
    return this.#factories.has(type);
  }

  get(type: string): ToolFactory | undefined {
    return this.#factories.get(type);
  }

  /** Known types, sorted. */
  types(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /** Builds the tool a definition describes; `baseDir` is the folder of the workflow file that declares it. */
  create(definition: ToolDefinition, baseDir: string, context: ToolCreateContext = { env: {} }): Tool {
    const factory = this.#factories.get(definition.type);
    if (!factory) {
      const known = this.types();
      throw new ToolError("WFX_UNKNOWN_TOOL_TYPE", `tool '${definition.id}' has unknown type '${definition.type}'; known types: ${known.join(", ") || "(none)"}`, {
        hint: `set \`type\` to one of: ${known.join(", ") || "(none registered)"}`,
      });
    }
    if (context.caller !== undefined && !context.caller.tool_types.includes(definition.type)) throw callerDenied(`tool '${definition.id}' has type '${definition.type}', which the node's caller policy does not grant`, `granted types: ${context.caller.tool_types.join(", ") || "(none)"}; the operator can add it to ${CALLER_POLICY_SETTING.tool_types}`);
    return factory.create(context.caller === undefined ? definitionWithSecrets(definition, context.env) : definition, baseDir, context);
  }
}

export interface ToolRegistryOptions {
  /** What `mcpworkflow_executor` tools call; without it they refuse with an explanation. */
  workflowExecutor?: WorkflowExecutorClient;
}

/** A registry with every built-in tool type (`BUILTIN_TOOL_TYPES`). */
export function defaultToolRegistry(options: ToolRegistryOptions = {}): ToolRegistry {
  return new ToolRegistry(options.workflowExecutor)
    .register(filesystemToolFactory)
    .register(httpToolFactory)
    .register(mcpRemoteToolFactory)
    .register(workflowExecutorToolFactory(options.workflowExecutor))
    .register(codebaseIndexerToolFactory);
}
