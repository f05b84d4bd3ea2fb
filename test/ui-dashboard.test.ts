import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Browser, Page } from "playwright-core";
import { resolveAgentOptions } from "../src/agents/index.js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { createWorkflowGenerator } from "../src/generator/index.js";
import { childContext, installTracer, NOOP_TRACER, type Tracer } from "../src/observability/index.js";
import { launchBrowser, openPage, screenshot, signIn } from "./helpers/browser.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { post, startTestNode, TOKEN_ENTRIES, TOKENS, tokensText } from "./helpers/gateway-node.js";
import { startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

/** The agent lists its folder through its tool, then answers in small streamed chunks. */
function agentScript(body: ChatBody): ModelTurn {
  const listed = body.messages.find((m) => m.role === "tool");
  if (!listed) return { content: "Let me look.", toolCalls: [{ name: "docs", arguments: { op: "list" } }] };
  return { content: `The folder holds ${listed.content}`, chunkSize: 6, chunkDelayMs: 5 };
}

// One node serving the dashboard fixtures with tokens, a gate its steps wait at, a loopback model, and one browser.
const gate = await startGateServer();
const model = await startModelServer(agentScript);
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env: model.env, agents: resolveAgentOptions({ backoffMs: 10, progressIntervalMs: 20 }) });
// A read-only token that reads every execution (a plain read token would see only those it or its tenant started).
const AUDITOR = "auditor-token-0123456789abcdef";
const t = await startTestNode({ tokensText: tokensText([...TOKEN_ENTRIES, { id: "auditor", token: AUDITOR, scopes: ["read_all"] }]), host: "127.0.0.1", traceUrlTemplate: "https://jaeger.example/trace/{trace_id}", workflowDirs: [join(FIXTURES, "dashboard"), join(FIXTURES, "dashboard-agent")] }, { runtime, generator: createWorkflowGenerator({ env: {}, planner: "template" }) });
const base = t.node.httpUrl!;
const browser: Browser = await launchBrowser();
const errors: string[] = [];

test.after(async () => {
  await browser.close();
  await t.close();
  await gate.close();
  await model.close();
});

test.after.each(() => {
  assert.equal(errors.splice(0), [], "no page errors or CSP violations");
});


async function startRun(workflow: string, input: unknown, token: string = TOKENS.admin): Promise<string> {
  const answer = await post(base, "execute_workflow", { workflow_name: workflow, input_data: input, execution_mode: "async" }, token);
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  return answer.body["execution_id"] as string;
}

async function statusOf(id: string): Promise<string> {
  return (await post(base, "check_execution_status", { execution_id: id }, TOKENS.admin)).body["status"] as string;
}

/** Waits until the page's graph shows the step with this status. */
async function stepStatus(page: Page, step: string, status: string): Promise<void> {
  await page.locator(`svg.graph g[data-step="${step}"][data-status="${status}"]`).waitFor({ timeout: 10_000 });
}

function fillOf(page: Page, step: string): Promise<string> {
  return page.locator(`svg.graph g[data-step="${step}"] rect`).evaluate((rect) => getComputedStyle(rect).fill);
}

async function shownSeqs(page: Page): Promise<number[]> {
  return page.locator(".event-log tbody tr").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-seq"))));
}

test("dashboard - the shell needs no token but the data does; a token prompt signs in", async () => {
  const page = await openPage(browser, errors);
  await page.goto(`${base}/ui/`);
  await page.getByLabel("Bearer token").waitFor();
  assert.is(page.url().includes(TOKENS.admin), false);
  await signIn(page, `${base}/ui/`, TOKENS.admin);
  assert.match(await page.locator("header .who").innerText(), "token admin");
  assert.is(page.url().includes(TOKENS.admin), false, "the token never appears in the URL");
  assert.is(await page.evaluate(() => sessionStorage.getItem("wfx.token")), TOKENS.admin);
  await page.context().close();
});

test("dashboard - the executions list shows an execution started over the API and its status change, without a reload", async () => {
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/`, TOKENS.admin);
  const id = await startRun("review_items", { gate: gate.url, items: ["a"] });
  const row = page.locator(`tr[data-execution="${id}"]`);
  await row.and(page.locator('[data-status="running"]')).waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), "review_items");
  await page.locator('[data-status-tab="running"] .count').filter({ hasNotText: /^0$/ }).waitFor();
  await screenshot(page, "executions-list");
  for (const name of ["prepare", "review", "summarise"]) gate.open(name);
  await row.and(page.locator('[data-status="completed"]')).waitFor({ timeout: 10_000 });
  await page.getByRole("button", { name: /^completed/ }).click();
  await page.locator(`tr[data-execution="${id}"]`).waitFor();
  assert.is(await page.locator('tbody tr:not([data-status="completed"])').count(), 0, "the completed tab lists only completed executions");
  await page.context().close();
});

test("dashboard - a running fan-out's steps change colour in order, a reload resumes the events without a gap or a repeat, and the result shows", async () => {
  const items = ["alpha", "beta", "gamma"];
  const id = await startRun("review_items", { gate: `${gate.url}/fan`, items });
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, TOKENS.admin);
  await stepStatus(page, "prepare", "running");
  await stepStatus(page, "review", "pending");
  const pendingFill = await fillOf(page, "review");
  const runningFill = await fillOf(page, "prepare");
  assert.is.not(runningFill, pendingFill, "a running step is drawn in another colour than a pending one");

  gate.open("fan/prepare");
  await stepStatus(page, "prepare", "completed");
  await stepStatus(page, "review", "running");
  assert.is(await fillOf(page, "review"), runningFill);
  assert.is.not(await fillOf(page, "prepare"), runningFill, "a completed step changes colour again");
  assert.match((await page.locator('g[data-step="review"]').textContent()) ?? "", "×3 (0/3)");
  await screenshot(page, "execution-running");

  // Reload in the middle: the page must ask only for the events after the last one it had.
  const before = await shownSeqs(page);
  assert.ok(before.length > 0);
  const streams: string[] = [];
  page.on("request", (req) => void (req.url().includes("/events") && streams.push(req.url())));
  await page.reload();
  await stepStatus(page, "review", "running");
  await eventually(() => (streams.length > 0 ? true : undefined), 5000, "the stream reopened");
  const resumedAfter = Number(new URL(streams[0]!).searchParams.get("after_seq"));
  assert.ok(resumedAfter >= before.at(-1)!, `resumed after seq ${resumedAfter}, had ${before.at(-1)}`);

  gate.open("fan/review");
  await stepStatus(page, "review", "completed");
  await stepStatus(page, "summarise", "running");
  gate.open("fan/summarise");
  await stepStatus(page, "summarise", "completed");
  await page.locator('[data-testid="execution-status"]', { hasText: "completed" }).waitFor();
  const result = JSON.parse(await page.locator('[data-testid="result"]').innerText()) as { reviewed: number; items: string[] };
  assert.equal(result, { reviewed: 3, items });

  const server = (await post(base, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 }, TOKENS.admin)).body["events"] as { seq: number }[];
  await eventually(async () => ((await shownSeqs(page)).length === server.length ? true : undefined), 5000, "every event shown");
  assert.equal(await shownSeqs(page), server.map((e) => e.seq), "each event once, in order, none missing");
  await page.locator('g[data-step="review"]').click();
  assert.match(await page.locator(".step-detail-panel").innerText(), "3 of 3 iterations done");
  await screenshot(page, "execution-completed");
  await page.context().close();
});

test("dashboard - cancel from the execution page cancels the run", async () => {
  const id = await startRun("hold", {});
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, TOKENS.admin);
  await stepStatus(page, "wait", "running");
  await page.getByRole("button", { name: "Cancel execution" }).click();
  await page.locator('[data-testid="execution-status"]', { hasText: "cancelled" }).waitFor();
  assert.is(await statusOf(id), "cancelled");
  await stepStatus(page, "wait", "cancelled");
  assert.is(await page.getByRole("button", { name: "Cancel execution" }).count(), 0, "no cancel button once it ended");
  await page.context().close();
});

test("dashboard - a cancelled execution's graph shows the steps it never started as cancelled, not pending", async () => {
  const id = await startRun("review_items", { gate: `${gate.url}/cancelled`, items: ["a", "b"] });
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, TOKENS.admin);
  await stepStatus(page, "prepare", "running");
  await stepStatus(page, "summarise", "pending");
  assert.is((await post(base, "cancel_execution", { execution_id: id }, TOKENS.admin)).body["cancelled"], true);
  for (const step of ["prepare", "review", "summarise"]) await stepStatus(page, step, "cancelled");
  await screenshot(page, "execution-cancelled");
  await page.context().close();
});

test("dashboard - a read-only token sees no cancel or start buttons, and a forged cancel is refused", async () => {
  const id = await startRun("hold", {});
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, AUDITOR);
  await stepStatus(page, "wait", "running");
  assert.is(await page.getByRole("button", { name: "Cancel execution" }).count(), 0);
  assert.is(await page.getByRole("link", { name: "Start a run" }).count(), 0);
  await screenshot(page, "execution-read-only");
  const forged = await page.evaluate(async (executionId) => {
    const res = await fetch("/cancel_execution", { method: "POST", headers: { authorization: `Bearer ${sessionStorage.getItem("wfx.token")}`, "content-type": "application/json" }, body: JSON.stringify({ execution_id: executionId }) });
    return { status: res.status, body: (await res.json()) as { code: string } };
  }, id);
  assert.equal([forged.status, forged.body.code], [403, "WFX_PERMISSION_DENIED"]);
  assert.is(await statusOf(id), "running");
  await post(base, "cancel_execution", { execution_id: id }, TOKENS.admin);
  await page.context().close();
});

test("dashboard - start a run: the input is checked as JSON before sending, and the page opens the new execution", async () => {
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/start`, TOKENS.admin);
  await page.getByLabel("Workflow").selectOption("quick");
  await page.getByLabel("Input (JSON)").fill("{not json");
  await page.getByRole("button", { name: "Run quick" }).click();
  await page.getByText("The input is not valid JSON").waitFor();
  assert.match(page.url(), /\/ui\/start$/, "nothing was sent");
  await screenshot(page, "start-run");
  await page.getByLabel("Input (JSON)").fill('{"hello": "dashboard"}');
  await page.getByRole("button", { name: "Run quick" }).click();
  await page.waitForURL(/\/ui\/executions\//);
  await page.locator('[data-testid="execution-status"]', { hasText: "completed" }).waitFor();
  assert.equal(JSON.parse(await page.locator('[data-testid="result"]').innerText()), { hello: "dashboard" });
  await page.context().close();
});

test("dashboard - the generate view shows where each part came from, and what was kept out", async () => {
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/start`, TOKENS.admin);
  await page.locator("#description").fill("Summarise each contract in ./contracts on GPU nodes");
  await page.getByRole("button", { name: "Generate" }).click();
  const table = page.getByRole("table", { name: "Where each part came from" });
  await table.waitFor();
  const rows = await table.locator("tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  assert.ok(rows.some(([part, words]) => part === "step document_processor for_each" && words === "each contract in"), JSON.stringify(rows));
  assert.ok(rows.some(([part, words]) => part === "tool filesystem" && words === "./contracts"), JSON.stringify(rows));
  await page.getByText("no node carries a tag 'gpu' (tags the nodes carry: none)", { exact: false }).first().waitFor();
  await page.context().close();
});

test("dashboard - the nodes page lists this single node, live", async () => {
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/nodes`, TOKENS.reader);
  await page.locator('tr[data-node][data-status="up"]').waitFor();
  assert.is(await page.locator("tr[data-node]").count(), 1);
  await page.context().close();
});

test("dashboard - a retried step shows a bar per attempt on the timeline, the failed one first", async () => {
  const id = await startRun("flaky", {});
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, TOKENS.admin);
  await stepStatus(page, "shaky", "completed");
  const bars = await page.locator(".timeline-row .bar").evaluateAll((els) => els.map((e) => e.className));
  assert.equal(bars, ["bar outcome-retrying", "bar outcome-completed"]);
  await page.locator('g[data-step="shaky"]').click();
  assert.match(await page.locator(".step-detail-panel").innerText(), "attempts\n2");
  await page.context().close();
});

test("dashboard - a traced execution's page links its trace in the operator's trace viewer", async () => {
  // A tracer of the test's own (the Tracer interface, no SDK): the node records the trace id its spans carry.
  const tracer: Tracer = { enabled: true, startSpan: (_name, { parent }) => ({ ...NOOP_TRACER.startSpan("", {}), context: childContext(parent) }) };
  const uninstall = installTracer(tracer);
  let id: string;
  try {
    id = await startRun("quick", {});
    await eventually(async () => ((await statusOf(id)) === "completed" ? true : undefined), 5000, "quick completed");
  } finally {
    uninstall();
  }
  const traceId = (await post(base, "check_execution_status", { execution_id: id }, TOKENS.admin)).body["trace_id"] as string;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, TOKENS.admin);
  const link = page.locator('[data-testid="trace"] a');
  await link.waitFor();
  assert.is(await link.getAttribute("href"), `https://jaeger.example/trace/${traceId}`);
  assert.is(await link.textContent(), traceId);
  await screenshot(page, "execution-traced");
  await page.context().close();
});

test("dashboard - an agent step shows its tool call, the tool's answer and its streamed tokens", async () => {
  const id = await startRun("agent_reads", {});
  const page = await openPage(browser, errors);
  await signIn(page, `${base}/ui/executions/${id}`, TOKENS.admin);
  await page.locator('g[data-step="read"]').click();
  await page.locator(".activity-tool_call", { hasText: "docs(" }).waitFor();
  await page.locator(".activity-tokens", { hasText: "The folder holds" }).waitFor();
  await stepStatus(page, "read", "completed");
  const activity = await page.locator(".activity li").allInnerTexts();
  assert.ok(activity.some((line) => line.startsWith("tool result:") && line.includes("agent.yaml")), activity.join(" | "));
  const tokens = activity.filter((line) => line.startsWith("tokens:")).join("");
  assert.match(tokens, "The folder holds");
  const events = (await post(base, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 }, TOKENS.admin)).body["events"] as { type: string; data?: { kind?: string } }[];
  assert.ok(events.filter((e) => e.type === "step.progress" && e.data?.kind === "tokens").length > 1, "the tokens came in several events");
  await screenshot(page, "execution-agent");
  await page.context().close();
});

test.run();
