import { WorkflowInvalidError } from "../../config/index.js";
import { CallerPolicyError } from "../../engine/internal.js";
import { WfxError } from "../../errors.js";
import type { GenerateWorkflowResult } from "../../generator/types.js";
import { mayUseNode, mayUseWorkflow, requireAnyWorkflow, requireCanceller, requireWorkflow } from "../auth/index.js";
import { GatewayError, GenerationUnavailableError } from "../errors.js";
import { notFoundAnswer, executionAnswer, statusMessage } from "./answers.js";
import type { Executions } from "./executions.js";
import { keyedRequest } from "./idempotency.js";
import { checkOverridePolicy } from "./config-override.js";
import { checkInlineSteps } from "./inline-limits.js";
import { inlineSource, overriddenFile, sandboxFor, type InlineRequest } from "./inline-workflow.js";
import type { MethodName } from "./method-catalog.js";
import type { CallContext, OperationDeps } from "./operation-deps.js";
import type * as S from "./schemas.js";
import { listExecutions } from "./list-executions.js";
import { watchExecution } from "./watch.js";
import { given } from "../../present.js";

export type Handler = (args: any, ctx: CallContext) => Promise<Record<string, unknown>>;

function generationAnswer(result: GenerateWorkflowResult): S.GenerateWorkflowAnswer {
  return {
    workflow_name: result.workflow_name,
    workflow_config: result.workflow_config,
    workflow_yaml: result.workflow_yaml,
    validation_status: result.validation_status,
    validation_errors: result.validation_errors.map((p) => ({ code: p.code, message: p.message, path: p.path, hint: p.hint, ...given({ line: p.line }), ...given({ column: p.column }) })),
    generator: result.generator,
    message: result.message,
    explanation: result.explanation ?? [],
    warnings: result.warnings ?? [],
  };
}

/** The implementation of every method, over the node's runtime, workflow directories, generator and registry. */
export function handlers(deps: OperationDeps, executions: Executions): Record<MethodName, Handler> {
  /** A caller-sent workflow file, validated, within the node's step cap, in the caller's sandbox and its policy. */
  const inlineChecked = (request: InlineRequest, ctx: CallContext) => {
    const source = inlineSource(request, sandboxFor(deps.sandboxDir, ctx.principal), deps.engine);
    checkInlineSteps(source.file, deps.engine.options.limits.maxInlineSteps);
    return source;
  };

  async function generate(args: S.GenerateWorkflowArgs, ctx: CallContext): Promise<GenerateWorkflowResult> {
    if (deps.generator === undefined) throw new GenerationUnavailableError("no workflow generator is configured");
    const request = {
      workflow_description: args.workflow_description,
      ...given({ workflow_name: args.workflow_name, complexity: args.complexity, agents_config: args.agents_config, tools_config: args.tools_config }),
    };
    // Shaped for where it will run: the nodes this caller may use, and the caller policy its workflow runs under.
    const nodes = (await deps.registry.list()).filter((n) => n.status !== "down" && mayUseNode(ctx.principal, n.tags));
    return deps.generator.generate(request, { nodes, policy: deps.engine.options.callerPolicy, limiter: deps.engine.options.modelRateLimiter, ...given({ signal: ctx.signal }) });
  }

  return {
    async execute_workflow(args: S.ExecuteWorkflowArgs, ctx) {
      if (args.config_override !== undefined) checkOverridePolicy(args.config_override, "execute_workflow");
      const inline = args.workflow_config !== undefined || args.workflow_yaml !== undefined;
      let source;
      if (inline) {
        requireAnyWorkflow(ctx.principal, "inline workflows");
        source = inlineChecked(args, ctx);
      } else {
        requireWorkflow(ctx.principal, args.workflow_name!);
        source = (await deps.workflows.resolve(args.workflow_name!, (name) => mayUseWorkflow(ctx.principal, name))).source;
      }
      const idempotency = keyedRequest("execute_workflow", args);
      return (await executions.run({ source, workflowName: args.workflow_name, input: args.input_data, mode: args.execution_mode, timeoutS: args.timeout, configOverride: args.config_override, idempotency, targetInstance: args.target_instance, targetTags: args.target_tags, budget: args.budget, priority: args.priority }, ctx)).answer;
    },

    async generate_workflow(args: S.GenerateWorkflowArgs, ctx) {
      return generationAnswer(await generate(args, ctx));
    },

    async execute_generated_workflow(args: S.ExecuteGeneratedWorkflowArgs, ctx) {
      requireAnyWorkflow(ctx.principal, "generated workflows");
      const generated = await generate(args, ctx);
      if (generated.validation_status !== "valid") {
        // What the caller policy refuses is refused as such, as it would be had it reached the run.
        if (generated.validation_errors.every((p) => p.code === "WFX_CALLER_POLICY_DENIED")) throw new CallerPolicyError("the generated workflow", generated.validation_errors.map((p) => ({ ...p, code: "WFX_CALLER_POLICY_DENIED" as const })));
        const problems = generated.validation_errors.map((p) => `${p.path}: ${p.message} (${p.hint})`).join("; ");
        throw new GatewayError("WFX_GENERATION_INVALID", `the generated workflow '${generated.workflow_name}' does not validate: ${problems}`, { hint: "rephrase the description, or call generate_workflow, fix the config and run it with execute_workflow" });
      }
      const source = inlineChecked({ workflow_config: generated.workflow_config }, ctx);
      const generation = { workflow_name: generated.workflow_name, workflow_yaml: generated.workflow_yaml, validation_status: generated.validation_status, generator: generated.generator, explanation: generated.explanation ?? [], warnings: generated.warnings ?? [] };
      // Keyed by what the caller asked for, not by what the generator made of it (a model need not make it twice alike).
      const idempotency = keyedRequest("execute_generated_workflow", args, generation);
      const { answer, memo } = await executions.run({ source, workflowName: generated.workflow_name, input: args.input_data, mode: args.execution_mode, timeoutS: args.timeout, idempotency, targetInstance: args.target_instance, targetTags: args.target_tags, budget: args.budget, priority: args.priority }, ctx);
      // A repeat answers with the generation that started the execution.
      return { ...answer, generation: memo ?? generation };
    },

    async check_execution_status(args: { execution_id: string }, ctx) {
      const record = await executions.status(args.execution_id, ctx.principal);
      return record ? executionAnswer(record, statusMessage(record, deps.paths), deps.paths) : notFoundAnswer(args.execution_id);
    },

    async cancel_execution(args: { execution_id: string; reason?: string }, ctx) {
      const record = await executions.status(args.execution_id, ctx.principal);
      if (!record) return { execution_id: args.execution_id, status: "not_found", cancelled: false, message: `No execution with id ${args.execution_id}` };
      requireCanceller(ctx.principal, args.execution_id, record.started_by);
      return { ...(await deps.client.cancel(args.execution_id, args.reason ?? `cancelled by ${ctx.principal.id}`)) };
    },

    async list_workflows(args: { config_path?: string; pattern?: string }, ctx) {
      const answer = await deps.workflows.list(args.config_path, args.pattern);
      answer.workflows = answer.workflows.filter((w) => mayUseWorkflow(ctx.principal, w.name));
      answer.total_count = answer.workflows.length;
      // The directories are the operator's: a read token is a caller and sees them by neutral name (config_path takes it).
      return deps.paths.value(answer);
    },

    async validate_workflow(args: S.ValidateWorkflowArgs, ctx) {
      try {
        if (args.config_override !== undefined) checkOverridePolicy(args.config_override, "validate_workflow");
        const inline = args.workflow_config !== undefined || args.workflow_yaml !== undefined;
        // A token limited to some workflows may not look into the others (list_workflows hides them too).
        if (!inline) requireWorkflow(ctx.principal, args.workflow_name!);
        const source = inline ? inlineChecked(args, ctx) : (await deps.workflows.resolve(args.workflow_name!, (name) => mayUseWorkflow(ctx.principal, name))).source;
        const file = args.config_override === undefined ? source.file : overriddenFile(source, args.config_override);
        const workflows = Object.keys(file.workflows);
        return { valid: true, workflows, problems: [], formatted: `valid (${workflows.length} workflow${workflows.length === 1 ? "" : "s"}: ${workflows.join(", ")})` };
      } catch (error) {
        if (error instanceof WorkflowInvalidError) {
          return deps.paths.value({ valid: false, workflows: [], problems: error.problems.map((p) => ({ ...p })), formatted: error.formatted });
        }
        if (error instanceof WfxError && error.code === "WFX_INLINE_WORKFLOW_REJECTED") {
          const problem = { code: error.code, message: error.message, path: "", hint: error.hint ?? "" };
          return deps.paths.value({ valid: false, workflows: [], problems: [problem], formatted: `error ${error.code} ${error.message}\n    hint: ${problem.hint}` });
        }
        throw error;
      }
    },

    async watch_execution(args: S.WatchExecutionArgs, ctx) {
      return watchExecution(deps, executions, args, ctx);
    },

    async list_executions(args: S.ListExecutionsArgs, ctx) {
      return listExecutions(deps.client, deps.paths, args, ctx.principal);
    },

    async list_nodes(args: { tags?: string[] }, ctx) {
      const nodes = (await deps.registry.list()).filter((n) => mayUseNode(ctx.principal, n.tags) && (args.tags ?? []).every((t) => n.tags.includes(t)));
      return { nodes, total_count: nodes.length };
    },
  };
}
