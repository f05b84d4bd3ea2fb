import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post, tokensText } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { TENANT_ENTRIES, TENANT_TOKENS } from "./helpers/tenant-node.js";

// Executions placed on a worker keep who started them (and their tenant): both nodes answer reads per tenant.
const nats = await startNatsServer();
const dir = mkdtempSync(join(tmpdir(), "wfx-cluster-tenants-"));
const tokens = join(dir, "tokens.json");
writeFileSync(tokens, tokensText(TENANT_ENTRIES));
const profile = join(dir, "gateway.yaml");
writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\n`);
const common = ["--workflows", join(FIXTURES, "cluster"), "--tokens", tokens, "--host", "127.0.0.1"];
const nodes: ServeProcess[] = [];
nodes.push(await startServe(join(dir, "gw"), ["--node-id", "gw-1", "--profile", profile, ...common], {}, "node"));
nodes.push(await startServe(join(dir, "w"), ["--node-id", "worker-1", "--nats", nats.url, ...common], {}, "node"));
const [gateway, worker] = nodes as [ServeProcess, ServeProcess];

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  rmSync(dir, { recursive: true, force: true });
});

type Body = Record<string, unknown>;

test("cluster tenant reads - an execution placed on a worker is read by its tenant on every node, and unknown to another tenant", async () => {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {}, TENANT_TOKENS.admin)).body["nodes"] as { id: string; status: string }[] | undefined;
    return listed?.some((n) => n.id === "worker-1" && n.status === "up") ? true : undefined;
  }, 10_000, "the worker up");
  const ran = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", input_data: {} }, TENANT_TOKENS.a1);
  assert.equal([ran.body["status"], ran.body["node"]], ["completed", "worker-1"], JSON.stringify(ran.body));
  const id = String(ran.body["execution_id"]);
  for (const url of [gateway.url, worker.url]) {
    const status = async (who: keyof typeof TENANT_TOKENS) => (await post(url, "check_execution_status", { execution_id: id }, TENANT_TOKENS[who])).body["status"];
    assert.equal([await status("a1"), await status("a2"), await status("b"), await status("auditor")], ["completed", "completed", "not_found", "completed"], url);
    const list = async (who: keyof typeof TENANT_TOKENS) => ((await post(url, "list_executions", {}, TENANT_TOKENS[who])).body["executions"] as Body[]).map((e) => e["execution_id"]);
    assert.equal([await list("a2"), await list("b")], [[id], []], url);
  }
});

test.run();
