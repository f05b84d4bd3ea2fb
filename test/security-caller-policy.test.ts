import { test } from "uvu";
import * as assert from "uvu/assert";
import { callGateway, GATEWAYS } from "./helpers/any-gateway.js";
import { TOKENS } from "./helpers/gateway-node.js";
import { hostileWorld } from "./helpers/hostile-world.js";

const world = await hostileWorld();
const { victim, redirector, nodeModel, listedModel, strict, open, canary: CANARY } = world;
const victimPort = victim.port;

test.after(() => world.close());

const wf = (tools: unknown[], steps: unknown[], agents?: unknown[]) => ({ ...(agents ? { agents } : {}), tools, workflows: { w: { steps } } });
const listStep = (tool: string) => ({ tool, args: { op: "list" } });

/** Each attack the report names, as a caller sends it; each must be refused before anything starts. */
const REFUSED: Record<string, { method: string; args: Record<string, unknown>; field: string }> = {
  "stdio MCP command (remote code execution)": {
    method: "execute_workflow",
    args: { workflow_config: wf([{ id: "x", type: "mcpremote", command: "bash", args: ["-c", `id > ${CANARY}`] }], [{ tool: "x", args: { method: "tools/list" } }]) },
    field: "tools[0]",
  },
  "stdio MCP command through generated tools_config": {
    method: "execute_generated_workflow",
    args: { workflow_description: "Summarize the notes", tools_config: { x: { type: "mcpremote", command: "bash", args: ["-c", `id > ${CANARY}`] } } },
    field: "mcpremote",
  },
  "codebase_indexer rooted at /proc (file read)": { method: "execute_workflow", args: { workflow_config: wf([{ id: "c", type: "codebase_indexer", settings: { root: "/proc" } }], [{ tool: "c", args: { op: "read", path: "self/environ" } }]) }, field: "tools[0].settings.root" },
  "filesystem rooted at /": { method: "execute_workflow", args: { workflow_config: wf([{ id: "f", type: "filesystem", settings: { root: "/" } }], [listStep("f")]) }, field: "tools[0].settings.root" },
  "filesystem root climbing out with ..": { method: "execute_workflow", args: { workflow_config: wf([{ id: "f", type: "filesystem", settings: { root: "../../../.." } }], [listStep("f")]) }, field: "tools[0].settings.root" },
  "${NAME} secret in an http header": { method: "execute_workflow", args: { workflow_config: wf([{ id: "h", type: "http", headers: { authorization: "Bearer ${WFX_SECRET}" }, settings: { allow_hosts: ["example.com"] } }], [{ tool: "h", args: { url: "https://example.com" } }]) }, field: "tools[0]" },
  "${env.NAME} in a step's args": { method: "execute_workflow", args: { workflow_config: wf([], [{ tool: "filesystem", args: { op: "write", path: "x", content: "${ env.WFX_SECRET }" } }]) }, field: "steps[0].args.content" },
  "${NAME} secret as an agent's api_key": { method: "execute_workflow", args: { workflow_config: wf([], [{ agent: "a" }], [{ id: "a", api_key: "${OPENAI_API_KEY}" }]) }, field: "agents[0].api_key" },
  "agent base_url pointing at a listener (key theft, SSRF)": { method: "execute_workflow", args: { workflow_config: wf([], [{ agent: "a" }], [{ id: "a", base_url: `${victim.url}/v1` }]) }, field: "agents[0].base_url" },
  "mcpremote to an unlisted URL": { method: "execute_workflow", args: { workflow_config: wf([{ id: "m", type: "mcpremote", mcp_url: `${victim.url}/mcp` }], [{ tool: "m", args: { method: "tools/list" } }]) }, field: "tools[0]" },
  "http allow_hosts '*'": { method: "execute_workflow", args: { workflow_config: wf([{ id: "h", type: "http", settings: { allow_hosts: ["*"] } }], [{ tool: "h", args: { url: victim.url } }]) }, field: "tools[0]" },
  "http allow_hosts 127.0.0.1": { method: "execute_workflow", args: { workflow_config: wf([{ id: "h", type: "http", settings: { allow_hosts: ["127.0.0.1"] } }], [{ tool: "h", args: { url: victim.url } }]) }, field: "tools[0]" },
  "function module": { method: "execute_workflow", args: { workflow_config: wf([], [{ function: "./evil.js#run" }]) }, field: "steps[0].function" },
};

const assertNothingLeaked = world.assertNothingLeaked;

for (const [name, attack] of Object.entries(REFUSED)) {
  test(`caller policy - refused on http, mcp and grpc: ${name}`, async () => {
    for (const gateway of GATEWAYS) {
      const answer = await callGateway(gateway, strict.clients, attack.method, attack.args);
      assert.ok(answer.refused, `${gateway}: ${answer.text.slice(0, 300)}`);
      assert.is(answer.code, "WFX_CALLER_POLICY_DENIED", `${gateway}: ${answer.text.slice(0, 300)}`);
      assert.match(answer.text, attack.field, `${gateway}: the refusal names the field: ${answer.text.slice(0, 400)}`);
      assert.match(answer.text, /caller_policy|sandbox|function modules|environment/, `${gateway}: the refusal names the rule`);
      assertNothingLeaked(answer, gateway);
    }
    world.assertNothingEscaped();
    assert.equal(nodeModel.requests.length + listedModel.requests.length, 0, "no model was called");
  });
}

test("caller policy - even where the operator allows any host, loopback, localhost and redirects inside are refused at connect time", async () => {
  // Every IPv6 form that carries 127.0.0.1 (mapped, compatible, NAT64, 6to4, Teredo server and inverted client).
  const embedded = ["::ffff:127.0.0.1", "::ffff:7f00:1", "::127.0.0.1", "64:ff9b::127.0.0.1", "2002:7f00:1::1", "2001:0:7f00:1::1", "2001:0:808:808::80ff:fffe"];
  const targets = [victim.url, `http://localhost:${victimPort}`, ...embedded.map((a) => `http://[${a}]:${victimPort}`), `http://[64:ff9b::169.254.169.254]/latest/meta-data/`, `${redirector.url}/hop`];
  for (const gateway of GATEWAYS) {
    for (const url of targets) {
      const answer = await callGateway(gateway, open.clients, "execute_workflow", { workflow_config: wf([{ id: "h", type: "http", settings: { allow_hosts: ["*"] } }], [{ tool: "h", args: { url } }]) });
      assert.is(answer.status, "failed", `${gateway} ${url}: ${answer.text.slice(0, 300)}`);
      assert.is(answer.error?.code, "WFX_HTTP_HOST_NOT_ALLOWED", `${gateway} ${url}: ${answer.text.slice(0, 300)}`);
      assertNothingLeaked(answer, `${gateway} ${url}`);
    }
  }
  assert.equal(victim.hits, [], "nothing reached the loopback listener");
  assert.is(redirector.hits.length, 3, "the exactly listed host:port was reached (once per gateway), its redirect was not followed inside");
});

test("caller policy - a caller's agent gets the node's model with the node's key, or a listed endpoint that never sees that key", async () => {
  nodeModel.requests.length = 0;
  listedModel.requests.length = 0;
  for (const gateway of GATEWAYS) {
    const own = await callGateway(gateway, open.clients, "execute_workflow", { workflow_config: wf([], [{ agent: "a", output: { to: "user" } }], [{ id: "a", model: "m" }]), input_data: "hello" });
    assert.is(own.status, "completed", own.text.slice(0, 300));
    const listed = await callGateway(gateway, open.clients, "execute_workflow", { workflow_config: wf([], [{ agent: "b", output: { to: "user" } }], [{ id: "b", model: "m", base_url: listedModel.baseURL, api_key: "caller-own-key" }]), input_data: "hello" });
    assert.is(listed.status, "completed", listed.text.slice(0, 300));
    assertNothingLeaked(own, gateway);
    assertNothingLeaked(listed, gateway);
  }
  assert.equal(nodeModel.requests.map((r) => r.headers.authorization), [`Bearer ${world.nodeKey}`, `Bearer ${world.nodeKey}`, `Bearer ${world.nodeKey}`]);
  assert.equal(listedModel.requests.map((r) => r.headers.authorization), ["Bearer caller-own-key", "Bearer caller-own-key", "Bearer caller-own-key"]);
});

test("caller policy - an operator who grants mcpremote still grants no stdio command, and only the listed server", async () => {
  for (const gateway of GATEWAYS) {
    const command = await callGateway(gateway, open.clients, "execute_workflow", { workflow_config: wf([{ id: "x", type: "mcpremote", command: "bash", args: ["-c", `id > ${CANARY}`] }], [{ tool: "x", args: { method: "tools/list" } }]) });
    assert.equal([command.refused, command.code], [true, "WFX_CALLER_POLICY_DENIED"], command.text.slice(0, 300));
    assert.match(command.text, "tools[0].command");
    const other = await callGateway(gateway, open.clients, "execute_workflow", { workflow_config: wf([{ id: "x", type: "mcpremote", mcp_url: `${victim.url}/mcp` }], [{ tool: "x", args: { method: "tools/list" } }]) });
    assert.match(other.text, "tools[0].mcp_url", other.text.slice(0, 300));
  }
  world.assertNothingEscaped();
});

test("caller policy - validate_workflow lists every refusal at once with its path", async () => {
  const answer = await callGateway("http", strict.clients, "validate_workflow", {
    workflow_config: wf([{ id: "x", type: "mcpremote", command: "sh" }, { id: "f", type: "filesystem", settings: { root: "/etc" } }], [{ tool: "x", args: { method: "m" } }, { tool: "f", args: { op: "list" } }]),
  });
  assert.not.ok(answer.refused);
  const body = JSON.parse(answer.text) as { valid: boolean; problems: { code: string; path: string }[] };
  assert.is(body.valid, false);
  assert.equal(body.problems.map((p) => [p.code, p.path]), [["WFX_CALLER_POLICY_DENIED", "tools[0].type"], ["WFX_CALLER_POLICY_DENIED", "tools[1].settings.root"]]);
});

test("caller policy - each token works in a sandbox folder of its own", async () => {
  const write = { workflow_config: wf([], [{ tool: "filesystem", args: { op: "write", path: "mine.txt", content: "${input}" } }]), input_data: "maker's" };
  assert.is((await callGateway("http", strict.clients, "execute_workflow", write)).status, "completed");
  const admin = { ...strict.clients, token: TOKENS.admin };
  const read = await callGateway("http", admin, "execute_workflow", { workflow_config: wf([], [{ tool: "filesystem", args: { op: "read", path: "mine.txt" } }]) });
  assert.is(read.status, "failed", "another token's folder does not hold the file");
  const own = await callGateway("http", strict.clients, "execute_workflow", { workflow_config: wf([], [{ tool: "filesystem", args: { op: "read", path: "mine.txt" }, output: { to: "user" } }]) });
  assert.match(own.text, "maker's");
});

test.run();
