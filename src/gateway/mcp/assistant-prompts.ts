import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { NodeFacts } from "./node-facts.js";
import { eventLog, executionSummary, failures, nodeList, workflowFile, workflowList } from "./prompt-sections.js";

const workflowName = z.string().min(1).max(256).describe("The name of a workflow this node offers (see list_workflows)");
const executionId = z.string().min(1).max(256).describe("An execution id, as execute_workflow answered it");
const description = (what: string) => z.string().min(1).max(4000).describe(what);

/** One of the source document's six specialised assistants, offered to MCP hosts as a prompt. */
export interface AssistantPrompt {
  name: string;
  title: string;
  description: string;
  args: z.ZodObject<Record<string, z.ZodType<string | undefined>>>;
  /** The prompt's text, drawn from the live node as the caller sees it. */
  text(args: Record<string, string | undefined>, facts: NodeFacts): Promise<string>;
}

function unknownExecution(id: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `WFX_EXECUTION_NOT_FOUND: no execution with id ${id} that you may see (hint: list_executions shows yours)`);
}

async function execution(facts: NodeFacts, id: string) {
  const fact = await facts.executionWithEvents(id);
  if (fact === undefined) throw unknownExecution(id);
  return fact;
}

const TOOLS_NOTE = "Tools of this server: list_workflows, validate_workflow, execute_workflow, generate_workflow, execute_generated_workflow, check_execution_status, watch_execution, cancel_execution, list_executions, list_nodes.";

export const ASSISTANT_PROMPTS: readonly AssistantPrompt[] = [
  {
    name: "workflow_orchestrator",
    title: "Workflow Orchestrator",
    description: "Main execution and coordination: pick the right workflow for a goal, run it in the right mode and follow it to the end",
    args: z.object({ description: description("What you want done").optional(), workflow_name: workflowName.optional() }),
    async text(args, facts) {
      const parts = ["You are the Workflow Orchestrator of a Workflow Executor node: you choose and run workflows, and coordinate them until they finish.", TOOLS_NOTE];
      if (args["description"] !== undefined) parts.push(`The goal:\n${args["description"]}`);
      parts.push(workflowList(await facts.workflows()));
      if (args["workflow_name"] !== undefined) parts.push(workflowFile(args["workflow_name"], await facts.workflowYaml(args["workflow_name"])));
      parts.push("Run short workflows with execution_mode sync; long ones async, then follow them with watch_execution (or subscribe to wfx://executions/ID). Use isolated for untrusted code. If nothing fits the goal, use execute_generated_workflow with a clear description. Report the result, or the failure with its hint.");
      return parts.join("\n\n");
    },
  },
  {
    name: "workflow_generator",
    title: "Workflow Generator",
    description: "Dynamic configuration creation: turn a plain-language description into a workflow that fits this cluster",
    args: z.object({ description: description("The workflow to create, in plain language"), workflow_name: z.string().min(1).max(256).optional().describe("A name for the new workflow") }),
    async text(args, facts) {
      return [
        "You are the Workflow Generator of a Workflow Executor node: you turn a description into a valid workflow file (agents, tools, workflows with steps).",
        `The description:\n${args["description"]}`,
        args["workflow_name"] === undefined ? "" : `Name the workflow '${args["workflow_name"]}'.`,
        nodeList(await facts.nodes()),
        workflowList(await facts.workflows()),
        "Call generate_workflow with workflow_description (and workflow_name), read its explanation and warnings, then validate_workflow the result; place steps only on tags the nodes above offer. Existing workflows show this node's conventions; reuse one if it already does the job.",
      ].filter((p) => p !== "").join("\n\n");
    },
  },
  {
    name: "execution_monitor",
    title: "Execution Monitor",
    description: "Status tracking and management: where an execution stands, what it did so far, and what to do next",
    args: z.object({ execution_id: executionId }),
    async text(args, facts) {
      const fact = await execution(facts, args["execution_id"]!);
      return [
        "You are the Execution Monitor of a Workflow Executor node: you report where an execution stands and watch it to the end.",
        executionSummary(fact.record),
        eventLog(fact.events),
        `Follow it with watch_execution (after_seq ${fact.events.at(-1)?.seq ?? 0}) or subscribe to the resource wfx://executions/${args["execution_id"]}; cancel_execution stops it. Summarise progress for the user in a sentence or two.`,
      ].join("\n\n");
    },
  },
  {
    name: "workflow_advisor",
    title: "Workflow Advisor",
    description: "Best practices and optimisation: review a workflow for retries, timeouts, placement, parallelism and cost",
    args: z.object({ workflow_name: workflowName, description: description("What you want to improve, or the concern").optional() }),
    async text(args, facts) {
      const name = args["workflow_name"]!;
      const recent = (await facts.recentExecutions(20)).filter((e) => e.workflow_name === name);
      const history = recent.length === 0 ? "No recent executions of it that you may see." : `Its recent executions: ${recent.map((e) => `${e.execution_id} ${e.status}${e.elapsed_time === undefined ? "" : ` ${e.elapsed_time.toFixed(1)}s`}`).join("; ")}.`;
      return [
        "You are the Workflow Advisor of a Workflow Executor node: you review workflows against best practice and suggest concrete changes.",
        workflowFile(name, await facts.workflowYaml(name)),
        history,
        args["description"] === undefined ? "" : `The concern:\n${args["description"]}`,
        "Check: steps that could run in parallel (depends_on only where needed), retry with backoff on steps that call models or networks, timeouts, placement tags only where a step needs them, for_each for lists, small system prompts, cheaper models where quality allows. Propose the changed YAML and check it with validate_workflow.",
      ].filter((p) => p !== "").join("\n\n");
    },
  },
  {
    name: "workflow_troubleshooter",
    title: "Workflow Troubleshooter",
    description: "Debugging and problem resolution: why an execution failed, from its errors and their hints, and how to fix it",
    args: z.object({ execution_id: executionId, description: description("What you saw go wrong").optional() }),
    async text(args, facts) {
      const fact = await execution(facts, args["execution_id"]!);
      const yaml = fact.record.workflow_name === undefined ? undefined : await facts.workflowYaml(fact.record.workflow_name).catch(() => undefined);
      return [
        "You are the Workflow Troubleshooter of a Workflow Executor node: you find why an execution failed and say how to fix it.",
        args["description"] === undefined ? "" : `The user reports:\n${args["description"]}`,
        failures(fact),
        executionSummary(fact.record),
        eventLog(fact.events),
        yaml === undefined ? "" : workflowFile(fact.record.workflow_name!, yaml),
        "Start from each error's code and hint (docs/errors.md explains every WFX_ code). Say which step failed, the cause, and the fix (configuration, input, environment, placement); if it is transient, say so and suggest a retry policy.",
      ].filter((p) => p !== "").join("\n\n");
    },
  },
  {
    name: "integration_specialist",
    title: "Integration Specialist",
    description: "External system integration: connect this node to other systems (MCP servers, HTTP APIs, other executors) and call it from them",
    args: z.object({ description: description("The external system and what should flow between it and the workflows"), workflow_name: workflowName.optional() }),
    async text(args, facts) {
      const parts = [
        "You are the Integration Specialist of a Workflow Executor node: you connect workflows to external systems and external systems to this node.",
        `The integration:\n${args["description"]}`,
        nodeList(await facts.nodes()),
      ];
      if (args["workflow_name"] !== undefined) parts.push(workflowFile(args["workflow_name"], await facts.workflowYaml(args["workflow_name"])));
      parts.push(
        "Outbound, a workflow reaches systems through tools: `type: http` (an allow-listed base URL), `type: mcpremote` with `mcp_url` and `headers` (another MCP server, or another executor's /mcp with `Authorization: Bearer ${env.TOKEN}`), `type: filesystem` (a rooted folder). Inbound, callers use this node's MCP endpoint, gRPC (proto/), or plain HTTP POST /execute_workflow with a bearer token. Never put secrets in the YAML: reference them as ${env.NAME}. Give the tool configuration and the calls, and check the workflow with validate_workflow.",
      );
      return parts.join("\n\n");
    },
  },
];
