import { test } from "uvu";
import * as assert from "uvu/assert";
import { AgentError, ChatModel, resolveAgentOptions, retryAfterMs } from "../src/agents/index.js";
import { parseWorkflowYaml, resolveAgentEndpoint, validateWorkflowFile } from "../src/config/index.js";
import { startModelServer, type ModelTurn } from "./helpers/model-server.js";
import { eventually } from "./helpers/engine-fixture.js";

let turns: ModelTurn[] = [];
const server = await startModelServer((_, n) => turns[n - 1] ?? { content: "no more turns scripted" });
const endpoint = { baseURL: server.baseURL, apiKey: "test", model: "loopback-model" };
const options = resolveAgentOptions({ backoffMs: 10, maxRetries: 2 });
const model = new ChatModel(endpoint, options);
const signal = () => new AbortController().signal;
const ask = (stream: boolean) => ({ messages: [{ role: "user" as const, content: "hello" }], stream });

test.before.each(() => {
  turns = [];
  server.requests.length = 0;
});
test.after(() => server.close());

test("model - a streamed reply arrives token by token and is assembled", async () => {
  turns = [{ content: "Hello, loopback world", chunkSize: 5 }];
  const tokens: string[] = [];
  const reply = await model.complete(ask(true), { signal: signal(), onToken: (t) => tokens.push(t) });
  assert.is(reply.content, "Hello, loopback world");
  assert.equal(tokens, ["Hello", ", loo", "pback", " worl", "d"]);
  assert.is(server.requests[0]!.body.stream, true);
  assert.is(server.requests[0]!.body.model, "loopback-model");
});

test("model - streamed tool calls are reassembled from their pieces, JSON replies too", async () => {
  turns = [{ toolCalls: [{ name: "docs", arguments: { op: "read", path: "a.txt" } }] }, { content: "plain", toolCalls: [] }];
  const streamed = await model.complete(ask(true), { signal: signal() });
  assert.equal(streamed.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]), [["docs", { op: "read", path: "a.txt" }]]);
  assert.is(streamed.finishReason, "tool_calls");
  const json = await model.complete(ask(false), { signal: signal() });
  assert.is(json.content, "plain");
});

test("model - a 429 is retried after the server's retry-after, then succeeds", async () => {
  turns = [{ status: 429, headers: { "retry-after": "1" } }, { content: "after the wait" }];
  const retries: number[] = [];
  const started = Date.now();
  const reply = await model.complete(ask(true), { signal: signal(), onRetry: (r) => retries.push(r.delayMs) });
  assert.is(reply.content, "after the wait");
  assert.equal(retries, [1000]);
  assert.ok(Date.now() - started >= 950, "waited for retry-after");
  assert.is(server.requests.length, 2);
});

test("model - 5xx is retried with backoff; when retries run out the error is coded and retryable", async () => {
  turns = [{ status: 503 }, { status: 502 }, { status: 500 }];
  try {
    await model.complete(ask(false), { signal: signal() });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, AgentError);
    assert.is((error as AgentError).code, "WFX_MODEL_UNAVAILABLE");
    assert.ok((error as AgentError).retryable);
  }
  assert.is(server.requests.length, 3, "one call and two retries");
});

test("model - a 401 is not retried", async () => {
  turns = [{ status: 401 }, { content: "never" }];
  const error = await model.complete(ask(false), { signal: signal() }).catch((e: AgentError) => e);
  assert.is((error as AgentError).code, "WFX_MODEL_AUTH");
  assert.is(server.requests.length, 1);
});

test("model - cancelling during a streaming call stops the HTTP request", async () => {
  turns = [{ content: "x".repeat(400), chunkSize: 1, chunkDelayMs: 20 }];
  const controller = new AbortController();
  const tokens: string[] = [];
  const call = model.complete(ask(true), { signal: controller.signal, onToken: (t) => (tokens.push(t), tokens.length === 3 && controller.abort()) });
  const error = await call.catch((e: AgentError) => e);
  assert.is((error as AgentError).code, "WFX_CANCELLED");
  await eventually(() => server.requests[0]!.aborted || undefined, 5000, "the server to see the client go away");
  assert.ok(tokens.length < 10);
});

test("model - a call slower than the timeout fails with WFX_MODEL_TIMEOUT", async () => {
  turns = [{ content: "slow".repeat(20), chunkSize: 1, chunkDelayMs: 50 }];
  const error = await new ChatModel(endpoint, resolveAgentOptions({ maxRetries: 0 })).complete(ask(true), { signal: signal(), timeoutMs: 200 }).catch((e: AgentError) => e);
  assert.is((error as AgentError).code, "WFX_MODEL_TIMEOUT");
});

test("model - retry-after accepts seconds, milliseconds and HTTP dates", () => {
  assert.is(retryAfterMs(new Headers({ "retry-after": "2" })), 2000);
  assert.is(retryAfterMs(new Headers({ "retry-after-ms": "150" })), 150);
  const date = retryAfterMs(new Headers({ "retry-after": new Date(Date.now() + 3000).toUTCString() }))!;
  assert.ok(date > 1000 && date <= 3000, String(date));
  assert.is(retryAfterMs(new Headers()), undefined);
});

test("endpoint - agent config, then OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL, then defaults", () => {
  const agent = { id: "a" };
  assert.equal(resolveAgentEndpoint(agent, { OPENAI_BASE_URL: "http://vllm:8000/v1" }), { endpoint: { baseURL: "http://vllm:8000/v1", apiKey: "no-key", model: "gpt-4o-mini" } });
  assert.equal(resolveAgentEndpoint(agent, { OPENAI_API_KEY: "sk-1", OPENAI_MODEL: "gpt-4o" }), { endpoint: { baseURL: "https://api.openai.com/v1", apiKey: "sk-1", model: "gpt-4o" } });
  const own = resolveAgentEndpoint({ id: "a", base_url: "http://localhost:11434/v1", api_key: "${OLLAMA_KEY}", model: "llama3" }, { OLLAMA_KEY: "k", OPENAI_BASE_URL: "http://ignored/v1" });
  assert.equal(own, { endpoint: { baseURL: "http://localhost:11434/v1", apiKey: "k", model: "llama3" } });
  const none = resolveAgentEndpoint(agent, {});
  assert.ok("problem" in none);
  assert.match(none.problem.hint, /OPENAI_BASE_URL.*OPENAI_API_KEY/);
  const unset = resolveAgentEndpoint({ id: "a", api_key: "${env.MISSING_KEY}" }, {});
  assert.ok("problem" in unset && /MISSING_KEY/.test(unset.problem.message));
});

test("validation - an agent step with no endpoint in the given env is a problem naming the variables", () => {
  const parsed = parseWorkflowYaml("agents:\n  - id: writer\nworkflows:\n  main:\n    steps:\n      - agent: writer\n", "agent.yaml");
  const problems = validateWorkflowFile(parsed.data, parsed.source, { env: {} });
  assert.equal(problems.map((p) => [p.code, p.path, p.line]), [["WFX_AGENT_NO_ENDPOINT", "workflows.main.steps[0].agent", 6]]);
  assert.match(problems[0]!.hint, /set OPENAI_BASE_URL .* or OPENAI_API_KEY/);
  assert.equal(validateWorkflowFile(parsed.data, parsed.source, { env: server.env }), []);
  assert.equal(validateWorkflowFile(parsed.data, parsed.source), [], "without an env, endpoints are not checked");
});

test.run();
