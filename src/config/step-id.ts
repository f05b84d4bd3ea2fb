import type { FunctionRef, StepDef } from "./schema.js";

/** A function step's module (as written, relative to the workflow file) and export name. */
export interface ResolvedFunctionRef {
  module: string;
  export: string;
}

/** `"./m.js#name"` -> `{module: "./m.js", export: "name"}`; no `#` means the default export. */
export function parseFunctionRef(ref: FunctionRef): ResolvedFunctionRef {
  if (typeof ref !== "string") return { module: ref.module, export: ref.export ?? "default" };
  const hash = ref.lastIndexOf("#");
  if (hash < 0) return { module: ref, export: "default" };
  return { module: ref.slice(0, hash), export: ref.slice(hash + 1) || "default" };
}

/** `./lib/clean-text.js` -> `clean-text`. */
function moduleBaseName(module: string): string {
  const base = module.slice(Math.max(module.lastIndexOf("/"), module.lastIndexOf("\\")) + 1);
  const dot = base.indexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * The id a step is known by. An explicit `id` wins; otherwise agent steps take the agent id, tool steps the tool
 * id, workflow steps the sub-workflow name, function steps the export name (the module's base name for a default
 * export). Two steps that end up with the same id are a validation error, never renamed silently.
 * `step_<n>` (1-based position) only names a step that declares none of the four kinds, which validation rejects.
 */
export function stepIdOf(step: Pick<StepDef, "id" | "agent" | "tool" | "workflow" | "function">, index: number): string {
  if (step.id !== undefined) return step.id;
  if (step.agent !== undefined) return step.agent;
  if (step.tool !== undefined) return step.tool;
  if (step.workflow !== undefined) return step.workflow;
  if (step.function !== undefined) {
    const fn = parseFunctionRef(step.function);
    return fn.export === "default" ? moduleBaseName(fn.module) : fn.export;
  }
  return `step_${index + 1}`;
}
