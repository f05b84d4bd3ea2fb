import type { z } from "zod";
import type { CallerPolicy } from "../config/index.js";

/** What a tool gets besides its arguments. */
export interface ToolCallContext {
  /** Aborted when the calling step is cancelled or times out. */
  signal: AbortSignal;
  /** The execution whose step (or agent) makes the call, when there is one. */
  executionId?: string;
}

/** What a factory may read besides the definition: the environment `${NAME}` secrets come from. */
export interface ToolCreateContext {
  env: Readonly<Record<string, string | undefined>>;
  /** Set for a tool of a workflow a caller sent: the operator's policy bounds what it may reach (its env is empty). */
  caller?: CallerPolicy;
}

/** A callable tool instance, configured from one `tools:` entry of a workflow file. */
export interface Tool<Args = any> {
  readonly id: string;
  readonly type: string;
  readonly description: string;
  /** Validates arguments before a call; also the JSON Schema offered to models. */
  readonly inputSchema: z.ZodType<Args>;
  call(args: Args, ctx: ToolCallContext): Promise<unknown>;
}

/** Builds tools of one `type`. `baseDir` is the folder of the workflow file that declares the tool. */
export interface ToolFactory {
  readonly type: string;
  readonly description: string;
  create(definition: { id: string; description?: string; settings?: Record<string, unknown>; [key: string]: unknown }, baseDir: string, context?: ToolCreateContext): Tool;
}
