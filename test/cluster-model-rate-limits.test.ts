import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { post } from "./helpers/gateway-node.js";
import { startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// Three `wfx node` processes share one provider's limits through NATS: 60 requests and 6,000 tokens a minute. The
// provider counts every request it sees (refused ones too) and refuses with 429 + Retry-After any that would go past
// the bound below. The cluster's buckets hold 10 s of each limit (burst_s 10), so in any 10 s window the provider may
// see at most 10 s of the limit plus that capacity: 10 + 10 = 20 requests and 1,000 + 1,000 = 2,000 tokens.
const RPM = 60;
const TPM = 6000;
const WINDOW_MS = 10_000;
const BURST_S = 10;
const MAX_REQUESTS_IN_WINDOW = (RPM * (WINDOW_MS / 1000)) / 60 + (RPM * BURST_S) / 60;
const MAX_TOKENS_IN_WINDOW = (TPM * (WINDOW_MS / 1000)) / 60 + (TPM * BURST_S) / 60;
const EXECUTIONS = 100;
const COMPLETION_TOKENS = 30;

/** Every request the provider saw: when, what it counted, and whether it refused it. */
const seen: { at: number; tokens: number; refused: boolean }[] = [];

/** The provider counts a request's prompt as its messages' characters / 4, and answers 30 completion tokens. */
function promptTokens(body: ChatBody): number {
  return Math.ceil(body.messages.reduce((n, m) => n + (m.content ?? "").length, 0) / 4);
}

function inWindow(now: number): { requests: number; tokens: number } {
  const recent = seen.filter((s) => s.at > now - WINDOW_MS);
  return { requests: recent.length, tokens: recent.reduce((n, s) => n + s.tokens, 0) };
}

function provider(body: ChatBody): ModelTurn {
  const now = Date.now();
  const tokens = promptTokens(body) + COMPLETION_TOKENS;
  const window = inWindow(now);
  const refused = window.requests + 1 > MAX_REQUESTS_IN_WINDOW || window.tokens + tokens > MAX_TOKENS_IN_WINDOW;
  seen.push({ at: now, tokens: refused ? 0 : tokens, refused });
  if (refused) return { status: 429, headers: { "retry-after": "1" }, message: "rate limit reached" };
  return { content: "summary", usage: { prompt_tokens: promptTokens(body), completion_tokens: COMPLETION_TOKENS } };
}

const nats = await startNatsServer();
const model = await startModelServer(provider);
const dirs: string[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-limits-${name}-`));
  dirs.push(dir);
  return dir;
}
const flows = tempDir("flows");
writeFileSync(
  join(flows, "flow.yaml"),
  `agents:
  - id: summarizer
    system_prompt: You summarise one paragraph in a sentence.
    max_tokens: 40
    stream: false
workflows:
  summary:
    steps:
      - agent: summarizer
        input: "\${input.text}"
`,
);
const limits = JSON.stringify([{ endpoint: model.baseURL, requests_per_minute: RPM, tokens_per_minute: TPM, burst_s: BURST_S }]);
const env = { ...model.env, WFX_MODEL_LIMITS: limits };
const ids = ["rl-1", "rl-2", "rl-3"];
const nodes: ServeProcess[] = [];
for (const id of ids) nodes.push(await startServe(tempDir(id), ["--node-id", id, "--nats", nats.url, "--workflows", flows], env, "node"));

test.after(async () => {
  for (const node of nodes) await node.kill("SIGTERM");
  await model.close();
  await nats.close();
  if (process.exitCode === undefined || process.exitCode === 0) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Record_ = { status: string; node: string; error?: unknown; usage?: { rate_limited_ms?: number; model_calls?: number } };

test(`model rate limits - ${EXECUTIONS} agent executions on three nodes all complete, and the provider never sees more than ${MAX_REQUESTS_IN_WINDOW} requests or ${MAX_TOKENS_IN_WINDOW} tokens in any 10 s`, async () => {
  const started: { id: string; node: string }[] = [];
  for (let i = 0; i < EXECUTIONS; i++) {
    const node = nodes[i % nodes.length]!;
    const text = `Paragraph ${i}: ${"the cluster shares one provider's limits between its nodes. ".repeat(3)}`;
    const res = await post(node.url, "execute_workflow", { workflow_name: "summary", input_data: { text }, execution_mode: "async" });
    assert.is(res.status, 200, JSON.stringify(res.body));
    started.push({ id: String(res.body["execution_id"]), node: ids[i % nodes.length]! });
  }
  const finals = new Map<string, Record_>();
  // The limit is the clock here: 100 calls at 60 a minute after a 10-call burst take ~90 s; 150 s bounds the wait.
  const deadline = Date.now() + 150_000;
  while (finals.size < started.length) {
    assert.ok(Date.now() < deadline, `${started.length - finals.size} executions still running after 150 s`);
    for (const { id, node } of started) {
      if (finals.has(id)) continue;
      const record = (await post(nodes[ids.indexOf(node)]!.url, "check_execution_status", { execution_id: id })).body as unknown as Record_;
      if (["completed", "failed", "cancelled", "timeout"].includes(record.status)) finals.set(id, record);
    }
    if (finals.size < started.length) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const failed = [...finals.values()].filter((r) => r.status !== "completed");
  assert.equal(failed.slice(0, 3), [], `${failed.length} executions did not complete`);
  assert.equal(new Set([...finals.values()].map((r) => r.node)), new Set(ids), "every node ran its share");

  let worst = { requests: 0, tokens: 0, at: 0 };
  for (const s of seen) {
    const w = seen.filter((o) => o.at >= s.at && o.at < s.at + WINDOW_MS);
    const here = { requests: w.length, tokens: w.reduce((n, o) => n + o.tokens, 0), at: s.at - seen[0]!.at };
    if (here.requests > worst.requests || here.tokens > worst.tokens) worst = { requests: Math.max(worst.requests, here.requests), tokens: Math.max(worst.tokens, here.tokens), at: here.at };
  }
  const refused = seen.filter((s) => s.refused).length;
  const span = (seen.at(-1)!.at - seen[0]!.at) / 1000;
  const waited = [...finals.values()].map((r) => r.usage?.rate_limited_ms ?? 0);
  console.log(`provider saw ${seen.length} requests over ${span.toFixed(1)} s (${((seen.length / span) * 60).toFixed(1)}/min), ${refused} refused; busiest 10 s: ${worst.requests} requests, ${worst.tokens} tokens (bounds ${MAX_REQUESTS_IN_WINDOW}, ${MAX_TOKENS_IN_WINDOW}); ${waited.filter((ms) => ms > 0).length} executions waited, ${(waited.reduce((a, b) => a + b, 0) / 1000).toFixed(0)} s in all`);
  assert.is(refused, 0, "no request went past the provider's limits");
  assert.ok(worst.requests <= MAX_REQUESTS_IN_WINDOW, `${worst.requests} requests in one 10 s window`);
  assert.ok(worst.tokens <= MAX_TOKENS_IN_WINDOW, `${worst.tokens} tokens in one 10 s window`);
  assert.is(seen.length, EXECUTIONS, "one call per execution: none was refused and retried");
  assert.ok(waited.filter((ms) => ms > 0).length >= EXECUTIONS - 3 * 10, "beyond the burst, executions waited for their share and said so in their usage");

  // Every node waited on the shared limit, and its metrics say so under the endpoint the operator configured.
  for (const node of nodes) {
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    const line = metrics.split("\n").find((l) => l.startsWith(`wfx_model_rate_limit_wait_seconds{endpoint="${model.baseURL}"}`));
    assert.ok(line !== undefined && Number(line.split(" ").at(-1)) > 0, `${node.url}: ${line}`);
  }
  const events = (await post(nodes[0]!.url, "watch_execution", { execution_id: started.at(-1)!.id, after_seq: 0, wait: 0 })).body["events"] as { type: string; data?: { kind?: string; reason?: string } }[];
  assert.ok(events.some((e) => e.type === "step.progress" && e.data?.kind === "rate_limited"), "the last execution's step said it waited");
});

test.run();
