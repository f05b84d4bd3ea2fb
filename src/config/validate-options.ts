import { BUILTIN_TOOL_TYPES } from "./builtin-tools.js";

/**
 * Agent steps are refused until the model provider lands; flipping this (or passing `allowAgentSteps`) is the
 * whole change needed on the config side.
 */
export const AGENT_STEPS_ENABLED = false;

export interface ValidateOptions {
  /** Accept `agent:` steps. */
  allowAgentSteps: boolean;
  /** Tool types that tool declarations may use and tool references may name directly. */
  toolTypes: readonly string[];
  /** Check that function modules exist on disk (needs a base folder). */
  checkFunctionFiles: boolean;
  /** Folder that function modules are resolved against; defaults to the workflow file's folder. */
  baseDir?: string;
}

export function defaultValidateOptions(): ValidateOptions {
  return { allowAgentSteps: AGENT_STEPS_ENABLED, toolTypes: BUILTIN_TOOL_TYPES, checkFunctionFiles: true };
}

export function resolveValidateOptions(options: Partial<ValidateOptions> = {}): Readonly<ValidateOptions> {
  const resolved: ValidateOptions = defaultValidateOptions();
  if (options.allowAgentSteps !== undefined) resolved.allowAgentSteps = options.allowAgentSteps;
  if (options.toolTypes !== undefined) resolved.toolTypes = Object.freeze([...options.toolTypes]);
  if (options.checkFunctionFiles !== undefined) resolved.checkFunctionFiles = options.checkFunctionFiles;
  if (options.baseDir !== undefined) resolved.baseDir = options.baseDir;
  return Object.freeze(resolved);
}
