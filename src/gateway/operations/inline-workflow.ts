import { join, relative, resolve, isAbsolute } from "node:path";
import { LineCounter } from "yaml";
import { WorkflowInvalidError, adjustWorkflowFile, checkWorkflowFile, formatProblems, isRecord, parseWorkflowYaml, type LoadedSource, type Problem, type WorkflowFile } from "../../config/index.js";
import type { WorkflowSource } from "../../engine/index.js";
import { GatewayError } from "../errors.js";

export interface InlineRequest {
  workflow_config?: Record<string, unknown> | undefined;
  workflow_yaml?: string | undefined;
}

function rejected(message: string, hint: string): never {
  throw new GatewayError("WFX_INLINE_WORKFLOW_REJECTED", message, { hint });
}

/** Finds the first string anywhere in `value` that reads the node's environment. */
function findEnvReference(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return /\$\{\s*env\./.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findEnvReference(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = findEnvReference(item, path === "" ? key : `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Inline workflows come from the network, so they may not do what only a file's author should: run function modules,
 * read the node's environment, or reach files outside their sandbox folder.
 */
function checkSandbox(file: WorkflowFile, data: unknown, sandboxDir: string): void {
  const sections = [file, file.development, file.staging, file.production].filter((s) => s !== undefined);
  for (const section of sections) {
    for (const [name, workflow] of Object.entries(section.workflows ?? {})) {
      const step = workflow.steps.findIndex((s) => s.function !== undefined);
      if (step >= 0) rejected(`workflows.${name}.steps[${step}] is a function step; inline workflows cannot run function modules`, "put the workflow in a file in one of the node's workflow directories and run it by workflow_name");
    }
    for (const tool of section.tools ?? []) {
      if (tool.type !== "filesystem") continue;
      const root = resolve(sandboxDir, String(tool.settings?.["root"] ?? "."));
      const rel = relative(sandboxDir, root);
      if (rel.startsWith("..") || isAbsolute(rel)) rejected(`tool '${tool.id}' has root ${String(tool.settings?.["root"])}, outside the inline sandbox`, "inline workflows' filesystem roots must be relative paths inside their sandbox folder");
    }
  }
  const env = findEnvReference(data, "");
  if (env !== undefined) rejected(`${env} reads the node's environment (\${env.…}); inline workflows may not`, "pass the value in input_data instead");
}

function invalid(origin: string, problems: Problem[]): never {
  throw new WorkflowInvalidError(origin, problems, formatProblems(problems, origin));
}

/** Validates an inline workflow exactly as a file would be, then applies the sandbox rules. */
export function inlineSource(request: InlineRequest, sandboxDir: string): WorkflowSource {
  const origin = request.workflow_yaml !== undefined ? "workflow_yaml" : "workflow_config";
  let data: unknown = request.workflow_config;
  let source: LoadedSource = { path: origin, text: "", lineCounter: new LineCounter(), baseDir: sandboxDir };
  if (request.workflow_yaml !== undefined) {
    const loaded = parseWorkflowYaml(request.workflow_yaml, origin, { baseDir: sandboxDir });
    if (!("data" in loaded)) invalid(origin, loaded.problems);
    data = loaded.data;
    source = loaded.source;
  }
  const { problems, file } = checkWorkflowFile(data, source, { baseDir: sandboxDir });
  if (file === undefined) invalid(origin, problems);
  checkSandbox(file, data, sandboxDir);
  return { file, path: join(sandboxDir, "inline-workflow.yaml") };
}

/** The file with `config_override` merged in (as the runtime will merge it), or WorkflowInvalidError; for validate_workflow. */
export function overriddenFile(source: WorkflowSource, override: Record<string, unknown>): WorkflowFile {
  return adjustWorkflowFile(source.file, { configOverride: override }, `${source.path ?? "workflow"} with config_override`);
}
