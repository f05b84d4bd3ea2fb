import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAgentOptions } from "../src/agents/index.js";
import { loadAndValidate } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, type WorkflowSource } from "../src/engine/index.js";
import { startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

// As older Azure API versions answer a parameter they do not know.
const REFUSAL = "Unrecognized request argument supplied: stream_options";
/** A server that refuses stream_options, and reports usage only when it sends some of its own accord (here: never). */
const script = (body: ChatBody): ModelTurn => (body.stream_options !== undefined ? { status: 400, message: REFUSAL } : { content: "streamed anyway" });

const server = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-stream-options-"));
writeFileSync(join(dir, "ask.yaml"), "agents:\n  - id: asker\nworkflows:\n  ask:\n    steps:\n      - agent: asker\n        output: { to: user }\n");
const loaded = await loadAndValidate(join(dir, "ask.yaml"), { env: server.env });
assert.equal(loaded.problems, []);
const source: WorkflowSource = { file: loaded.file!, path: join(dir, "ask.yaml") };
const runtime = new Runtime({ store: new MemoryExecutionStore(), env: { ...server.env }, agents: resolveAgentOptions({ backoffMs: 10 }) });

test.after(async () => {
  await runtime.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("stream options - a server refusing stream_options is asked again without it, remembered, and its calls count as usage unknown", async () => {
  const first = await runtime.execute({ source, workflowName: "ask", input: "hello" });
  assert.is(first.status, "completed", JSON.stringify(first.error));
  assert.is(first.result, "streamed anyway");
  assert.equal(server.requests.map((r) => [r.body.stream, r.body.stream_options !== undefined]), [[true, true], [true, false]], "refused once, then streamed without it");
  assert.equal([first.usage!.model_calls, first.usage!.unknown_usage_calls, first.usage!.tokens.total_tokens], [1, 1, 0], "one call, its tokens unknown (not guessed)");
  const second = await runtime.execute({ source, workflowName: "ask", input: "again" });
  assert.is(second.status, "completed");
  assert.is(server.requests.length, 3, "the next call goes without stream_options at once");
  assert.is(server.requests[2]!.body.stream_options, undefined);
});

test("stream options - any other 400 still fails the step with the server's message", async () => {
  server.script = () => ({ status: 400, message: "messages: too long" });
  const record = await runtime.execute({ source, workflowName: "ask", input: "x" });
  assert.is(record.status, "failed");
  assert.match(record.error!.message, "messages: too long");
  server.script = script;
});

test.run();
