import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { post } from "./helpers/gateway-node.js";
import { echoScript, startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

/** A one-agent workflow file as the model writes it. */
const WORKFLOW = {
  agents: [{ id: "writer", agent_type: "openai", description: "writes", system_prompt: "You write." }],
  workflows: { made: { description: "made by the model", steps: [{ id: "write", agent: "writer", input: "${user_input}", output: { to: "user" } }] } },
};

let node: ServeProcess | undefined;
/** Seconds the node's model calls had waited for their share when each generation request reached the server. */
const waitedAtArrival: number[] = [];
/** Generation requests (they ask for structured output) still to be refused 429 by the provider. */
let refuse = 0;

/** The node's wfx_model_rate_limit_wait_seconds, summed over endpoints. */
async function waitedSeconds(): Promise<number> {
  const text = await (await fetch(`${node!.url}/metrics`)).text();
  return [...text.matchAll(/^wfx_model_rate_limit_wait_seconds\{[^}]*\} ([\d.e+-]+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function script(body: ChatBody, call: number): Promise<ModelTurn> {
  if (body.response_format === undefined) return echoScript(body, call);
  waitedAtArrival.push(await waitedSeconds());
  if (refuse > 0) {
    refuse--;
    return { status: 429, message: "rate limited", headers: { "retry-after": "1" } };
  }
  return { content: JSON.stringify(WORKFLOW) };
}

const server = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-gen-limits-"));
// One request a second, and a bucket of one (3 s of it less the 2 s send margin): only the first call goes at once.
const limits = JSON.stringify([{ endpoint: server.baseURL, requests_per_minute: 60, burst_s: 3 }]);
node = await startServe(join(dir, "data"), [], { ...server.env, WFX_MODEL_LIMITS: limits });
const generations = () => server.requests.filter((r) => r.body.response_format !== undefined);

test.before.each(() => {
  waitedAtArrival.length = 0;
  server.requests.length = 0;
});
test.after(async () => {
  await node?.kill("SIGTERM");
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function generate(description: string) {
  return post(node!.url, "generate_workflow", { workflow_description: description, complexity: "simple" });
}

test("generator rate limits - generate calls past the node's model limit wait for their share instead of reaching the provider or failing", async () => {
  const answers = await Promise.all([generate("Write a short note"), generate("Write another note"), generate("Write a third note")]);
  for (const answer of answers) assert.equal([answer.status, answer.body["validation_status"], answer.body["generator"]], [200, "valid", "model"], JSON.stringify(answer.body));
  assert.is(generations().length, 3);
  // The bucket holds one call: the first reached the server without waiting, each later one only after it had waited.
  assert.is(waitedAtArrival[0], 0, `waited at arrival: ${waitedAtArrival.join(", ")}`);
  assert.ok(waitedAtArrival[1]! > 0, `the second call reached the server before waiting: ${waitedAtArrival.join(", ")}`);
  assert.ok(waitedAtArrival[2]! > waitedAtArrival[1]!, `the third call reached the server before waiting: ${waitedAtArrival.join(", ")}`);
});

test("generator rate limits - a provider's 429 pauses the endpoint: the refused generate call is sent again only after waiting it out", async () => {
  refuse = 1;
  const answer = await generate("Write a note after a pause");
  assert.equal([answer.status, answer.body["validation_status"]], [200, "valid"], JSON.stringify(answer.body));
  assert.is(generations().length, 2);
  assert.ok(waitedAtArrival[1]! > waitedAtArrival[0]!, `the retry went out without waiting for the provider's pause: ${waitedAtArrival.join(", ")}`);
});

test.run();
