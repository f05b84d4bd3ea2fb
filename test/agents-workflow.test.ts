import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAgentOptions } from "../src/agents/index.js";
import { loadAndValidate } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, type ExecutionEvent, type WorkflowSource } from "../src/engine/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { agentOf, lastOf, startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

const WORKFLOW = `
agents:
  - id: planner
    description: decides which file matters
  - id: reader
    tools: [docs]
  - id: looper
    max_turns: 2
    tools: [docs]
  - id: talker
tools:
  - id: docs
    type: filesystem
    settings: { root: ./data }
workflows:
  two_agents:
    steps:
      - agent: planner
      - agent: reader
        input: "Read the file the planner named: \${planner.output}"
        output: { to: user }
  loop:
    steps:
      - agent: looper
  slow:
    steps:
      - agent: talker
`;

function script(body: ChatBody): ModelTurn {
  const agent = agentOf(body);
  const toolMessage = body.messages.find((m) => m.role === "tool");
  switch (agent) {
    case "planner":
      return { content: `notes.txt (asked: ${lastOf(body, "user")})` };
    case "reader":
      if (!toolMessage) return { content: "Let me read it.", toolCalls: [{ name: "docs", arguments: { op: "read", path: "notes.txt" } }] };
      return { content: `The file says: ${(JSON.parse(toolMessage.content!) as { content: string }).content}` };
    case "looper":
      return { toolCalls: [{ name: "docs", arguments: { op: "list" } }] };
    default:
      return { content: "word ".repeat(300), chunkSize: 5, chunkDelayMs: 20 };
  }
}

const server = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-agents-"));
mkdirSync(join(dir, "data"));
writeFileSync(join(dir, "data", "notes.txt"), "the launch code is 4217");
writeFileSync(join(dir, "agents.yaml"), WORKFLOW);
const loaded = await loadAndValidate(join(dir, "agents.yaml"), { env: server.env });
assert.equal(loaded.problems, []);
const source: WorkflowSource = { file: loaded.file!, path: join(dir, "agents.yaml") };
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "agents-test", env: { ...server.env }, agents: resolveAgentOptions({ backoffMs: 10, progressIntervalMs: 20 }) });

test.after(async () => {
  await runtime.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("agents - two agents in a row; the second calls the filesystem tool through the model and answers with its output", async () => {
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "two_agents", input: { user_input: "what is the code?" }, onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.is(record.result, "The file says: the launch code is 4217");
  const planner = server.requests.find((r) => agentOf(r.body) === "planner")!;
  assert.is(lastOf(planner.body, "user"), "what is the code?", "an agent step without input answers ${user_input}");
  assert.is(planner.body.tools, undefined, "an agent without tools is offered none");
  const reader = server.requests.find((r) => agentOf(r.body) === "reader")!;
  assert.equal(reader.body.tools!.map((t) => t.function.name), ["docs"]);
  assert.equal((reader.body.tools![0]!.function.parameters as { properties: { op: { enum: string[] } } }).properties.op.enum, ["read", "write", "list", "glob"]);
  const progress = events.filter((e) => e.type === "step.progress").map((e) => ({ step: e.step, ...(e.data as Record<string, unknown>) }) as Record<string, unknown>);
  const call = progress.find((p) => p["kind"] === "tool_call")!;
  assert.equal([call["step"], call["tool"], call["arguments"]], ["reader", "docs", { op: "read", path: "notes.txt" }]);
  const result = progress.find((p) => p["kind"] === "tool_result")!;
  assert.ok(result["ok"]);
  assert.match(String(result["result"]), "4217");
  assert.ok(progress.some((p) => p["kind"] === "tokens" && p["step"] === "planner"), "streamed tokens are step progress");
});

test("agents - agent steps run in isolated mode; the endpoint travels to the scrubbed process explicitly", async () => {
  const started = await runtime.execute({ source, workflowName: "two_agents", input: "code?", mode: "isolated" });
  const record = await runtime.recorder.whenDone(started.execution_id);
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.is(record.result, "The file says: the launch code is 4217");
});

test("agents - an agent still calling tools after max_turns fails the step with WFX_AGENT_MAX_TURNS", async () => {
  const record = await runtime.execute({ source, workflowName: "loop" });
  assert.is(record.status, "failed");
  assert.is(record.error!.code, "WFX_AGENT_MAX_TURNS");
  assert.is(server.requests.filter((r) => agentOf(r.body) === "looper").length, 2);
});

test("agents - cancelling an execution during a streaming model call stops the HTTP request", async () => {
  const before = server.requests.length;
  const events: ExecutionEvent[] = [];
  const started = runtime.start({ source, workflowName: "slow", mode: "async", onEvent: (e) => events.push(e) });
  await eventually(() => events.find((e) => e.type === "step.progress"), 5000, "the first tokens");
  const cancelled = await runtime.cancel(started.executionId);
  assert.is(cancelled.status, "cancelled");
  const request = server.requests[before]!;
  await eventually(() => request.aborted, 2000, "the server to see the request go away");
  assert.not.ok(request.finished);
});

test("agents - with no endpoint configured an agent step fails with WFX_AGENT_NO_ENDPOINT and no model is called", async () => {
  const bare = new Runtime({ store: new MemoryExecutionStore(), nodeId: "no-endpoint", env: {} });
  const before = server.requests.length;
  const record = await bare.execute({ source, workflowName: "two_agents" });
  await bare.close();
  assert.is(record.status, "failed");
  assert.is(record.error!.code, "WFX_AGENT_NO_ENDPOINT");
  assert.match(record.error!.hint!, /OPENAI_BASE_URL/);
  assert.is(server.requests.length, before);
});

test.run();
