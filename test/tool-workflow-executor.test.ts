import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAgentOptions } from "../src/agents/index.js";
import { loadAndValidate } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, type ExecutionEvent } from "../src/engine/index.js";
import { createWorkflowGenerator, LocalWorkflowExecutor } from "../src/generator/index.js";
import { defaultToolRegistry, type ToolError, type WorkflowExecutorClient } from "../src/tools/index.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { agentOf, echoScript, lastOf, startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

function script(body: ChatBody, call: number): ModelTurn {
  const offered = body.tools?.map((t) => t.function.name) ?? [];
  const toolReply = body.messages.find((m) => m.role === "tool")?.content;
  if (offered.includes("workflow_executor")) {
    // The source document's quick-start orchestrator: generate and run a workflow for the user's request.
    if (toolReply === undefined) return { toolCalls: [{ name: "workflow_executor", arguments: { method: "execute_generated_workflow", params: { workflow_description: lastOf(body, "user"), complexity: "simple", input_data: { user_input: "the quarterly report" } } } }] };
    return { content: `orchestrated: ${toolReply}` };
  }
  if (agentOf(body) === "recurser") {
    if (toolReply === undefined) return { toolCalls: [{ name: "executor", arguments: { method: "execute_workflow", params: { workflow_name: "recursive" } } }] };
    return { content: `level done <${toolReply}>` };
  }
  return echoScript(body, call);
}

const RECURSIVE = `
agents:
  - id: recurser
    tools: [executor]
tools:
  - id: executor
    type: mcpworkflow_executor
workflows:
  recursive:
    steps:
      - agent: recurser
`;

/** Workflows that run in an isolated process and reach the executor, which runs what they start on the node. */
const ISOLATED = `
tools:
  - id: executor
    type: mcpworkflow_executor
workflows:
  outer:
    steps:
      - id: run_inner
        tool: executor
        args:
          method: execute_workflow
          params: { workflow_name: shout, config_path: isolated, input_data: "\${input}" }
  shout:
    steps:
      - id: loud
        function: ./steps.mjs#shout
        input: "\${input}"
  waiting_outer:
    steps:
      - id: run_waiting
        tool: executor
        args:
          method: execute_workflow
          params: { workflow_name: waiting, config_path: isolated }
  waiting:
    steps:
      - id: wait
        function: ./steps.mjs#wait
  itself:
    steps:
      - id: again
        tool: executor
        args:
          method: execute_workflow
          params: { workflow_name: itself, config_path: isolated }
`;

const STEPS = `
export const shout = (text) => String(text).toUpperCase();
export const wait = (_input, { signal }) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, 60_000, "waited a minute");
  signal.addEventListener("abort", () => (clearTimeout(timer), reject(new Error("stopped waiting"))), { once: true });
});
`;

const server = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-meta-"));
writeFileSync(join(dir, "recursive.yaml"), RECURSIVE);
mkdirSync(join(dir, "isolated"));
writeFileSync(join(dir, "isolated", "isolated.yaml"), ISOLATED);
writeFileSync(join(dir, "isolated", "steps.mjs"), STEPS);
let executor: LocalWorkflowExecutor;
const client: WorkflowExecutorClient = { call: (method, params, ctx) => executor.call(method, params, ctx) };
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "meta-test", env: server.env, tools: defaultToolRegistry({ workflowExecutor: client }), agents: resolveAgentOptions({ progressIntervalMs: 1000 }) });
executor = new LocalWorkflowExecutor({ runtime, generator: createWorkflowGenerator({ env: {} }), workflowDir: dir, maxDepth: 2 });

test.after(async () => {
  await runtime.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("meta - the quick-start orchestrator generates and runs a workflow through the mcpworkflow_executor tool", async () => {
  const loaded = await loadAndValidate(`${FIXTURES}config/source-quick-start.yaml`, { env: server.env });
  assert.equal(loaded.problems, []);
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source: { file: loaded.file! }, input: "Summarize this article", onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  const result = String(record.result);
  assert.match(result, /^orchestrated: /);
  const inner = JSON.parse(result.slice("orchestrated: ".length)) as { status: string; execution_id: string; result: string; generation: { generator: string } };
  assert.equal([inner.status, inner.generation.generator], ["completed", "template"]);
  assert.match(inner.result, /summarizer handled: document_processor handled: the quarterly report/);
  const calls = events.filter((e) => (e.data as { kind?: string } | undefined)?.kind === "tool_call");
  assert.equal(calls.map((e) => (e.data as { arguments: { method: string } }).arguments.method), ["execute_generated_workflow"]);
  assert.is((await runtime.status(inner.execution_id))!.status, "completed", "the generated workflow's execution is a real one");
});

test("meta - a workflow that starts itself is refused beyond the depth limit, with a clear error", async () => {
  const loaded = await loadAndValidate(join(dir, "recursive.yaml"), { env: server.env });
  const before = server.requests.length;
  const record = await runtime.execute({ source: { file: loaded.file!, path: join(dir, "recursive.yaml") } });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.match(String(record.result), /WFX_META_DEPTH_EXCEEDED/);
  assert.match(String(record.result), /may nest 2 deep, and this call would start level 3/);
  const levels = server.requests.slice(before).filter((r) => agentOf(r.body) === "recurser" && !r.body.messages.some((m) => m.role === "tool")).length;
  assert.is(levels, 3, "the top execution and two nested ones ran");
});

async function isolatedSource() {
  const path = join(dir, "isolated", "isolated.yaml");
  const loaded = await loadAndValidate(path);
  assert.equal(loaded.problems, []);
  return { file: loaded.file!, path };
}

test("meta - a workflow in an isolated process reaches the executor through its node, which runs what it starts", async () => {
  const record = await runtime.start({ source: await isolatedSource(), workflowName: "outer", input: "quiet words", mode: "isolated" }).done;
  assert.is(record.status, "completed", JSON.stringify(record.error));
  const inner = record.result as { execution_id: string; status: string; result: string };
  assert.equal([inner.status, inner.result], ["completed", "QUIET WORDS"]);
  const innerRecord = (await runtime.status(inner.execution_id))!;
  assert.is(innerRecord.execution_mode, "sync");
  assert.is(innerRecord.pid, process.pid, "the started workflow ran on the node, not in the isolated process");
});

test("meta - cancelling the isolated execution cancels the sync execution it started through the executor", async () => {
  const outer = runtime.start({ source: await isolatedSource(), workflowName: "waiting_outer", mode: "isolated" });
  const waiting = await eventually(async () => (await runtime.options.store.listRecords({ workflow_name: "waiting", status: "running" }))[0], 10_000, "the inner execution runs");
  await runtime.cancel(outer.executionId);
  assert.is((await outer.done).status, "cancelled");
  const inner = await runtime.recorder.whenDone(waiting.execution_id);
  assert.is(inner.status, "cancelled", "the call was aborted on the node when its caller went away");
});

test("meta - a tool step that starts its own workflow stops at the depth limit (its first step runs before start returns)", async () => {
  const record = await runtime.execute({ source: await isolatedSource(), workflowName: "itself" });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  const first = record.result as { execution_id: string; status: string; result?: { execution_id: string; status: string } };
  assert.equal([first.status, first.result?.status], ["completed", "failed"]);
  const deepest = (await runtime.status(first.result!.execution_id))!;
  assert.is(deepest.error?.code, "WFX_META_DEPTH_EXCEEDED");
  assert.match(deepest.error!.message, "would start level 3");
});

test("meta - two runtimes running the same file object each build its tools from their own registry", async () => {
  const { file } = await isolatedSource();
  const listing = { file: { ...file, workflows: { listing: { steps: [{ id: "list", tool: "executor", args: { method: "list_workflows" } }] } } } };
  const bare = new Runtime({ store: new MemoryExecutionStore(), nodeId: "bare" });
  try {
    const refused = await bare.execute({ source: listing });
    assert.is(refused.error?.code, "WFX_EXECUTOR_UNAVAILABLE", "a runtime without an executor");
    const listed = await runtime.execute({ source: listing });
    assert.is(listed.status, "completed", `the connected runtime does not reuse the other's tool: ${JSON.stringify(listed.error)}`);
  } finally {
    await bare.close();
  }
});

test("meta - what a workflow's tool call generates runs as a caller's workflow: a stdio command in its tools_config is refused", async () => {
  const canary = join(dir, "pwned-by-generated");
  const answer = (await executor.call("execute_generated_workflow", { workflow_description: "Summarize the notes", tools_config: { x: { type: "mcpremote", command: "bash", args: ["-c", `touch ${canary}`] } } }, { signal: new AbortController().signal })) as { status: string; error?: { code: string; message: string } };
  assert.equal([answer.status, answer.error?.code], ["failed", "WFX_CALLER_POLICY_DENIED"], JSON.stringify(answer));
  assert.match(answer.error!.message, "mcpremote");
  assert.not.ok(existsSync(canary), "no command ran");
});

test("meta - without an executor wired in, the tool says so instead of pretending", async () => {
  const tool = defaultToolRegistry().create({ id: "workflow_executor", type: "mcpworkflow_executor" }, dir);
  const error = await tool.call({ method: "list_workflows" }, { signal: new AbortController().signal }).catch((e: ToolError) => e);
  assert.is((error as ToolError).code, "WFX_EXECUTOR_UNAVAILABLE");
  const listed = await executor.call("list_workflows", {}, { signal: new AbortController().signal });
  assert.equal((listed as { workflows: { name: string }[] }).workflows.map((w) => w.name).sort(), ["itself", "outer", "recursive", "shout", "waiting", "waiting_outer"]);
});

test.run();
