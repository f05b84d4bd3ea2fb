import { test } from "uvu";
import * as assert from "uvu/assert";
import { callGateway, type AnyAnswer, type Gateway } from "./helpers/any-gateway.js";
import { hostileWorld, type HostileNode } from "./helpers/hostile-world.js";

const world = await hostileWorld();
const { victim, redirector, listedModel, nodeModel, canary } = world;

test.after(() => world.close());

/** mulberry32: the same cases every run, so a failure can be replayed by its number. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ["/", "/proc", "/proc/self/environ", "/etc/passwd", "..", "../..", "../../../../etc", ".", "sub/../..", "~", "%2e%2e/%2e%2e", "a\u0000b", "a\\..\\..", "//etc", "notes.txt"];
const URLS = [victim.url, `http://localhost:${victim.port}`, `http://[::1]:${victim.port}`, `http://0.0.0.0:${victim.port}`, `http://127.1:${victim.port}`, `http://2130706433:${victim.port}`, `http://0x7f000001:${victim.port}`, "http://169.254.169.254/latest/meta-data", "file:///etc/passwd", `${redirector.url}/x`, `${redirector.url}/mcp`, "gopher://127.0.0.1:25/", "http://example.invalid/", listedModel.baseURL, nodeModel.baseURL];
const SECRETS = ["${WFX_SECRET}", "${env.WFX_SECRET}", "$${WFX_SECRET}", "${ env.WFX_SECRET }", "${env['WFX_SECRET']}", "${OPENAI_API_KEY}", "pre-${WFX_SECRET}-post", "plain text"];
const COMMANDS = ["bash", "sh", "/bin/sh", process.execPath, "node"];
const TYPES = ["filesystem", "codebase_indexer", "http", "mcpremote", "mcpworkflow_executor", "shell", "__proto__", "constructor"];
/** Refusals a caller may get for a hostile config: each says what is wrong and how to fix it. */
const CLEAR_CODES = new Set(["WFX_CALLER_POLICY_DENIED", "WFX_WORKFLOW_INVALID", "WFX_INVALID_ARGUMENTS", "WFX_GENERATION_INVALID", "WFX_UNKNOWN_WORKFLOW"]);

function hostileCase(n: number): { method: string; args: Record<string, unknown> } {
  const r = random(n + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const maybe = (p: number) => r() < p;
  const tools = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => {
    const tool: Record<string, unknown> = { id: `t${i}`, type: pick(TYPES) };
    const settings: Record<string, unknown> = {};
    if (maybe(0.5)) settings["root"] = pick(PATHS);
    if (maybe(0.4)) settings["allow_hosts"] = [pick(["*", "127.0.0.1", "localhost", `127.0.0.1:${victim.port}`, "*.invalid", "[::1]", "example.invalid"])];
    if (maybe(0.3)) settings["base_url"] = pick(URLS);
    if (maybe(0.2)) settings["env"] = { X: pick(SECRETS) };
    if (maybe(0.2)) settings["cwd"] = pick(PATHS);
    if (Object.keys(settings).length > 0) tool["settings"] = settings;
    if (maybe(0.4)) tool["mcp_url"] = pick(URLS);
    if (maybe(0.3)) Object.assign(tool, { command: pick(COMMANDS), args: ["-c", `id > ${canary}`] });
    if (maybe(0.4)) tool["headers"] = { authorization: `Bearer ${pick(SECRETS)}` };
    return tool;
  });
  const agents = maybe(0.4) ? [{ id: "a", model: "m", ...(maybe(0.6) ? { base_url: pick(URLS) } : {}), ...(maybe(0.5) ? { api_key: pick(SECRETS) } : {}) }] : [];
  const argsFor = (type: unknown): Record<string, unknown> => {
    if (type === "http") return { url: pick(URLS), headers: { "x-leak": pick(SECRETS) } };
    if (type === "mcpremote") return { method: "tools/list" };
    if (type === "codebase_indexer") return { op: pick(["read", "files", "search"]), path: pick(PATHS), query: "KEY" };
    if (type === "mcpworkflow_executor") return { method: "list_workflows", params: {} };
    return { op: pick(["read", "write", "list", "glob"]), path: pick(PATHS), pattern: "**/*", content: pick(SECRETS) };
  };
  const steps: Record<string, unknown>[] = tools.map((t) => ({ tool: t["id"], args: argsFor(t["type"]) }));
  if (agents.length > 0) steps.push({ agent: "a", input: pick(SECRETS) });
  if (maybe(0.1)) steps.push({ function: pick(["./x.js#f", "/etc/passwd#x", "../../evil.js"]) });
  if (maybe(0.1)) steps.push({ tool: pick(TYPES), args: argsFor("filesystem"), for_each: [1, 2, 3] });
  const config: Record<string, unknown> = { tools, workflows: { w: { steps } }, ...(agents.length > 0 ? { agents } : {}) };
  if (maybe(0.1)) config["production"] = { tools: [{ id: "t0", type: pick(TYPES), settings: { root: pick(PATHS) }, command: pick(COMMANDS) }] };
  const choice = r();
  if (choice < 0.1) return { method: "execute_generated_workflow", args: { workflow_description: "Read the notes and summarize them", tools_config: Object.fromEntries(tools.map((t) => [t["id"], t])), ...(agents.length > 0 ? { agents_config: { a: agents[0] } } : {}) } };
  if (choice < 0.2) return { method: "validate_workflow", args: { workflow_config: config } };
  return { method: "execute_workflow", args: { workflow_config: config, input_data: pick(SECRETS) } };
}

function checkAnswer(n: number, answer: AnyAnswer): void {
  const what = `case ${n}: ${answer.text.slice(0, 400)}`;
  if (answer.refused) {
    assert.ok(CLEAR_CODES.has(answer.code!), `${what} (refused with ${answer.code})`);
    assert.match(answer.text, /"hint"/, `${what} (a refusal says how to fix it)`);
  } else if (answer.status !== undefined && answer.status !== "completed") {
    assert.ok(["failed", "timeout", "cancelled"].includes(answer.status), what);
    assert.ok(answer.error?.code !== undefined && answer.error.code !== "WFX_INTERNAL", `${what} (a failed run carries its error)`);
  }
  if (process.env["FUZZ_DEBUG"]) console.log(n, answer.text.slice(0, 1500));
  world.assertNothingLeaked(answer, `case ${n}`);
}

async function fuzz(node: HostileNode, from: number, count: number): Promise<number> {
  let refused = 0;
  for (let n = from; n < from + count; n++) {
    const { method, args } = hostileCase(n);
    const gateway: Gateway = n % 20 === 0 ? "mcp" : n % 20 === 10 ? "grpc" : "http";
    const answer = await callGateway(gateway, node.clients, method, args);
    checkAnswer(n, answer);
    if (answer.refused) refused++;
  }
  return refused;
}

test("fuzz - 2,400 hostile caller configs on two policies: each refused clearly or run inside the policy, nothing escapes", async () => {
  const strictRefused = await fuzz(world.strict, 0, 1200);
  const openRefused = await fuzz(world.open, 1200, 1200);
  world.assertNothingEscaped();
  // Both outcomes were exercised: most configs are refused, and some ran.
  assert.ok(strictRefused > 600 && strictRefused < 1200, `strict refused ${strictRefused} of 1200`);
  assert.ok(openRefused > 300 && openRefused < 1200, `open refused ${openRefused} of 1200`);
  for (const node of [world.strict, world.open]) {
    assert.is((await fetch(`${node.t.node.httpUrl}/health`)).status, 200, "the node is up");
    assert.is(node.t.node.registry.self().load, 0, "every admission slot was released");
  }
});

test.run();
