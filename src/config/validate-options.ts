import { BUILTIN_TOOL_TYPES } from "./builtin-tools.js";

export interface ValidateOptions {
  /** Accept `agent:` steps. */
  allowAgentSteps: boolean;
  /** Tool types that tool declarations may use and tool references may name directly. */
  toolTypes: readonly string[];
  /** Check that function modules exist on disk (needs a base folder). */
  checkFunctionFiles: boolean;
  /** Folder that function modules are resolved against; defaults to the workflow file's folder. */
  baseDir?: string;
  /**
   * The environment the file will run with. When given, every agent step must have a model endpoint in it (or in its
   * agent's config); when absent, endpoints are not checked (listing, or validating for another machine).
   */
  env?: Readonly<Record<string, string | undefined>>;
}

export function resolveValidateOptions(options: Partial<ValidateOptions> = {}): Readonly<ValidateOptions> {
  // Agent steps are accepted; `allowAgentSteps: false` still refuses them, for builds or callers without a model.
  const resolved: ValidateOptions = { allowAgentSteps: true, toolTypes: BUILTIN_TOOL_TYPES, checkFunctionFiles: true };
  if (options.allowAgentSteps !== undefined) resolved.allowAgentSteps = options.allowAgentSteps;
  if (options.toolTypes !== undefined) resolved.toolTypes = Object.freeze([...options.toolTypes]);
  if (options.checkFunctionFiles !== undefined) resolved.checkFunctionFiles = options.checkFunctionFiles;
  if (options.baseDir !== undefined) resolved.baseDir = options.baseDir;
  if (options.env !== undefined) resolved.env = options.env;
  return Object.freeze(resolved);
}
