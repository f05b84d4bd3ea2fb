import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAgentOptions } from "../src/agents/index.js";
import { loadAndValidate } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, type ExecutionEvent, type ExecutionRecord, type WorkflowSource } from "../src/engine/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { agentOf, startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

const WORKFLOW = `
agents:
  - id: streamer
    tools: [docs]
  - id: plain
    stream: false
    tools: [docs]
  - id: looper
    max_turns: 50
    tools: [docs]
    budget: { max_tool_calls: 3 }
  - id: spender
    max_turns: 50
    tools: [docs]
  - id: talker
  - id: flaky
    tools: [docs]
tools:
  - id: docs
    type: filesystem
    settings: { root: ./data }
workflows:
  streamed:
    steps:
      - agent: streamer
  unstreamed:
    steps:
      - agent: plain
  loops:
    steps:
      - agent: looper
  spends:
    budget: { max_tokens: 1000, max_model_calls: 20 }
    steps:
      - agent: spender
  retried:
    steps:
      - agent: flaky
        retry: { max: 1, backoff_ms: 10 }
  parallel:
    budget: { max_tokens: 1000 }
    steps:
      - agent: talker
        depends_on: []
      - agent: spender
        input: spend it all
        depends_on: []
`;

/** Tokens each reply reports: different per call, so a sum that drops or repeats one shows. */
const tokensOf = (call: number) => ({ prompt_tokens: 100 + call, completion_tokens: 10 * call });
let withUsage = true;

/** The flaky agent's replies in order: a tool call, then an outage outlasting the call's own retries, then a clean second attempt. */
const flakyTurns: Array<"tool" | "down" | "answer"> = ["tool", "down", "down", "down", "down", "tool", "answer"];

function script(body: ChatBody, call: number): ModelTurn {
  const usage = withUsage ? tokensOf(call) : ("none" as const);
  if (agentOf(body) === "flaky") {
    const turn = flakyTurns.shift() ?? "answer";
    if (turn === "down") return { status: 503 };
    return turn === "tool" ? { toolCalls: [{ name: "docs", arguments: { op: "list" } }], usage } : { content: "done", usage };
  }
  const toolMessage = body.messages.find((m) => m.role === "tool");
  switch (agentOf(body)) {
    case "streamer":
    case "plain":
      return toolMessage ? { content: "the file lists nothing of note", usage } : { toolCalls: [{ name: "docs", arguments: { op: "list" } }], usage };
    case "looper":
      return { toolCalls: [{ name: "docs", arguments: { op: "list" } }], usage };
    case "spender":
      return { toolCalls: [{ name: "docs", arguments: { op: "list" } }], usage: { prompt_tokens: 300, completion_tokens: 100 } };
    default:
      return { content: "word ".repeat(2000), chunkSize: 5, chunkDelayMs: 20, usage };
  }
}

const server = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-usage-"));
mkdirSync(join(dir, "data"));
writeFileSync(join(dir, "data", "a.txt"), "a");
writeFileSync(join(dir, "usage.yaml"), WORKFLOW);
const loaded = await loadAndValidate(join(dir, "usage.yaml"), { env: server.env });
assert.equal(loaded.problems, []);
const source: WorkflowSource = { file: loaded.file!, path: join(dir, "usage.yaml") };
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "usage-test", env: { ...server.env }, agents: resolveAgentOptions({ backoffMs: 10, progressIntervalMs: 20 }) });

test.after(async () => {
  await runtime.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a workflow and returns its record, its events and what the server reported while it ran. */
async function run(workflowName: string, extra: { budget?: Record<string, number> } = {}): Promise<{ record: ExecutionRecord; events: ExecutionEvent[]; reported: typeof server.reported }> {
  const before = { ...server.reported };
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName, onEvent: (e) => events.push(e), ...extra });
  const now = server.reported;
  const reported = { prompt_tokens: now.prompt_tokens - before.prompt_tokens, completion_tokens: now.completion_tokens - before.completion_tokens, total_tokens: now.total_tokens - before.total_tokens, answers: now.answers - before.answers, without_usage: now.without_usage - before.without_usage };
  return { record, events, reported };
}

function assertTotalsMatch(record: ExecutionRecord, reported: typeof server.reported): void {
  const usage = record.usage!;
  assert.equal(usage.tokens, { prompt_tokens: reported.prompt_tokens, completion_tokens: reported.completion_tokens, total_tokens: reported.total_tokens });
  assert.is(usage.model_calls, reported.answers);
  assert.is(usage.unknown_usage_calls, reported.without_usage);
  assert.equal(usage.by_model["loopback-model"], { ...usage.tokens, calls: reported.answers, unknown_usage_calls: reported.without_usage });
}

for (const [workflow, how] of [["streamed", "streamed"], ["unstreamed", "not streamed"]] as const) {
  test(`usage - ${how}: the record's tokens equal the sum the endpoint reported, per step, execution and model`, async () => {
    withUsage = true;
    const { record, events, reported } = await run(workflow);
    assert.is(record.status, "completed", JSON.stringify(record.error));
    assert.is(reported.answers, 2, "a tool call, then the answer");
    assert.is(reported.without_usage, 0);
    assertTotalsMatch(record, reported);
    assert.is(record.usage!.tool_calls, 1);
    assert.equal(record.steps[0]!.usage!.tokens, record.usage!.tokens, "the one step used all of it");
    const completed = events.find((e) => e.type === "step.completed")!;
    assert.equal((completed.data as { usage: { tokens: unknown } }).usage.tokens, record.usage!.tokens, "step.completed carries the step's usage");
    const ended = events.at(-1)!;
    assert.equal((ended.data as { usage: { tokens: unknown } }).usage.tokens, record.usage!.tokens, "the final event carries the execution's");
    assert.ok(record.usage!.wall_ms! >= 0 && record.usage!.cpu_ms! >= 0);
    if (workflow === "streamed") assert.ok(server.requests.at(-1)!.body.stream_options?.include_usage, "a streamed call asks for usage in the stream");
  });

  test(`usage - ${how}, endpoint reporting no usage: the calls count as unknown, no tokens are guessed`, async () => {
    withUsage = false;
    const { record, reported } = await run(workflow);
    withUsage = true;
    assert.is(record.status, "completed", JSON.stringify(record.error));
    assert.is(reported.without_usage, 2);
    assertTotalsMatch(record, reported);
    assert.equal(record.usage!.tokens, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    assert.is(record.usage!.unknown_usage_calls, 2);
  });
}

test("usage - a step retried after a failed attempt counts both attempts' tokens and calls, and step.retrying says what the failed one used", async () => {
  withUsage = true;
  const { record, events, reported } = await run("retried");
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.is(reported.answers, 3, "one answer in the failed attempt, two in the second");
  assertTotalsMatch(record, reported);
  assert.is(record.usage!.tool_calls, 2);
  const step = record.steps[0]!.usage!;
  assert.equal(step.tokens, record.usage!.tokens, "the step's usage sums its attempts");
  assert.is(step.model_calls, 3);
  assert.is(step.tool_calls, 2);
  const retrying = events.find((e) => e.type === "step.retrying")!;
  const failedAttempt = (retrying.data as { usage: { model_calls: number; tool_calls: number; tokens: { total_tokens: number } } }).usage;
  assert.is(failedAttempt.model_calls, 1);
  assert.is(failedAttempt.tool_calls, 1);
  assert.ok(failedAttempt.tokens.total_tokens > 0 && failedAttempt.tokens.total_tokens < record.usage!.tokens.total_tokens);
});

test("budget - an agent that loops tool calls stops at its own max_tool_calls with a message naming it and the figures", async () => {
  const { record } = await run("loops");
  assert.is(record.status, "failed");
  assert.is(record.error!.code, "WFX_BUDGET_EXCEEDED");
  assert.match(record.error!.message, "max_tool_calls 3 reached: 3 tool calls made; the model asked for another");
  assert.match(record.error!.hint!, "budget.max_tool_calls of agent 'looper'");
  assert.is(record.steps[0]!.usage!.tool_calls, 3, "the failed step's usage is kept");
  assert.is(record.usage!.model_calls, 4, "the fourth answer asked for the tool call that was refused");
});

test("budget - a workflow's max_tokens ends the execution once the calls' reported tokens pass it", async () => {
  const { record } = await run("spends");
  assert.is(record.status, "failed");
  assert.is(record.error!.code, "WFX_BUDGET_EXCEEDED");
  assert.match(record.error!.message, "max_tokens 1,000 reached: 1,200 tokens used by 3 model calls");
  assert.match(record.error!.hint!, "budget.max_tokens of workflow 'spends'");
  assert.is(record.usage!.tokens.total_tokens, 1200);
});

test("budget - a request may lower a workflow's budget, and the message says the request set it", async () => {
  const { record } = await run("spends", { budget: { max_model_calls: 2 } });
  assert.is(record.status, "failed");
  assert.match(record.error!.message, "max_model_calls 2 reached: 2 model calls made (800 tokens); another was needed");
  assert.match(record.error!.hint!, "budget.max_model_calls of the request");
});

test("budget - a request asking for more than the workflow's budget is refused before anything runs", () => {
  const before = server.requests.length;
  try {
    runtime.start({ source, workflowName: "spends", budget: { max_tokens: 5000 } });
    assert.unreachable("a request above the workflow's budget must be refused");
  } catch (error) {
    assert.is((error as { code: string }).code, "WFX_BUDGET_ABOVE_WORKFLOW");
    assert.match((error as Error).message, "budget.max_tokens 5000 of the request is above the budget.max_tokens 1000 of workflow 'spends'");
  }
  assert.is(server.requests.length, before);
});

test("budget - spending the execution's budget in one step cancels the model call another step has in flight", async () => {
  const before = server.requests.length;
  const { record } = await run("parallel");
  assert.is(record.status, "failed");
  assert.is(record.error!.code, "WFX_BUDGET_EXCEEDED");
  const talker = server.requests.slice(before).find((r) => agentOf(r.body) === "talker")!;
  await eventually(() => talker.aborted, 5000, "the talker's streaming call to be aborted");
  assert.not.ok(talker.finished);
});

test.run();
