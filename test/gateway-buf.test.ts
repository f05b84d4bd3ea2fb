import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startTestNode } from "./helpers/gateway-node.js";

const BUF = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));
const run = promisify(execFile);
const t = await startTestNode();
const target = `http://${t.node.grpcAddress!}`;

test.after(() => t.close());

async function buf(...args: string[]): Promise<string> {
  const { stdout } = await run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 30_000 });
  return stdout;
}

test("buf curl - lists the services and methods through server reflection", async () => {
  assert.equal((await buf("--list-services", target)).trim().split("\n").sort(), ["grpc.health.v1.Health", "wfx.v1.WorkflowExecutor"]);
  const methods = (await buf("--list-methods", target)).trim().split("\n");
  for (const method of ["grpc.health.v1.Health/Check", "wfx.v1.WorkflowExecutor/ExecuteWorkflow", "wfx.v1.WorkflowExecutor/WatchExecution", "wfx.v1.WorkflowExecutor/WatchNodes"]) {
    assert.ok(methods.includes(method), `${method} in ${methods.join(", ")}`);
  }
});

test("buf curl - calls the health check and a method, with the schema from reflection", async () => {
  assert.equal(JSON.parse(await buf("-d", "{}", `${target}/grpc.health.v1.Health/Check`)), { status: "SERVING" });
  const answer = JSON.parse(await buf("-d", JSON.stringify({ workflow_name: "three_steps", input_data_json: '{"value": 4}' }), `${target}/wfx.v1.WorkflowExecutor/ExecuteWorkflow`)) as Record<string, unknown>;
  assert.equal([answer["status"], answer["resultJson"]], ["completed", "16"]);
});

test.run();
