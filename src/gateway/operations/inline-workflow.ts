import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LineCounter } from "yaml";
import { WorkflowInvalidError, adjustWorkflowFile, checkWorkflowFile, formatProblems, parseWorkflowYaml, type LoadedSource, type Problem, type WorkflowFile } from "../../config/index.js";
import { enforceCallerPolicy, type GatewayEngine, type WorkflowSource } from "../../engine/internal.js";
import type { Principal } from "../auth/index.js";

export interface InlineRequest {
  workflow_config?: Record<string, unknown> | undefined;
  workflow_yaml?: string | undefined;
}

function invalid(origin: string, problems: Problem[]): never {
  throw new WorkflowInvalidError(origin, problems, formatProblems(problems, origin));
}

/** Each token's own folder under the sandbox root: one caller's workflows never see another's files. */
export function sandboxFor(sandboxRoot: string, principal: Principal): string {
  const readable = principal.id.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
  const dir = join(sandboxRoot, `${readable}-${createHash("sha256").update(principal.id).digest("hex").slice(0, 12)}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * A workflow a caller sent: validated exactly as a file would be, placed in the caller's sandbox folder, marked as
 * the caller's (the runtime runs it under the operator's caller policy) and checked against that policy now, so a
 * refusal names every field at once before anything starts.
 */
export function inlineSource(request: InlineRequest, sandboxDir: string, engine: Pick<GatewayEngine, "callerGrant">): WorkflowSource {
  const origin = request.workflow_yaml !== undefined ? "workflow_yaml" : "workflow_config";
  let data: unknown = request.workflow_config;
  let source: LoadedSource = { path: origin, text: "", lineCounter: new LineCounter(), baseDir: sandboxDir };
  if (request.workflow_yaml !== undefined) {
    const loaded = parseWorkflowYaml(request.workflow_yaml, origin, { baseDir: sandboxDir });
    if (!("data" in loaded)) invalid(origin, loaded.problems);
    data = loaded.data;
    source = loaded.source;
  }
  const { problems, file } = checkWorkflowFile(data, source, { baseDir: sandboxDir, checkFunctionFiles: false });
  if (file === undefined) invalid(origin, problems);
  const inline: WorkflowSource = { file, path: join(sandboxDir, "inline-workflow.yaml"), origin: "caller" };
  enforceCallerPolicy(file, engine.callerGrant(inline), origin);
  return inline;
}

/** The file with `config_override` merged in (as the runtime will merge it), or WorkflowInvalidError; for validate_workflow. */
export function overriddenFile(source: WorkflowSource, override: Record<string, unknown>): WorkflowFile {
  return adjustWorkflowFile(source.file, { configOverride: override }, `${source.path ?? "workflow"} with config_override`);
}
