import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { ExecutorNode } from "../src/node/index.js";
import { silentLogger, type AuditEntry } from "../src/observability/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { GATEWAY_WORKFLOWS, post, TOKEN_ENTRIES, TOKENS, tokensText } from "./helpers/gateway-node.js";

// A node that opens its own runtime, as `wfx serve` does: its workflows' mcpworkflow_executor tools call the node.
const META_ONLY = "meta-only-token-0123456789abcdef";
const dataDir = mkdtempSync(join(tmpdir(), "wfx-gw-meta-"));
const audit: AuditEntry[] = [];
const node = await ExecutorNode.start(
  { workflowDirs: [GATEWAY_WORKFLOWS], httpPort: 0, grpc: false, dataDir, tokensText: tokensText([...TOKEN_ENTRIES, { id: "meta-only", token: META_ONLY, scopes: ["execute", "read"], workflows: ["meta_*"] }]) },
  { logger: silentLogger(), auditLogger: pino({ level: "info" }, { write: (line: string) => void audit.push(JSON.parse(line) as AuditEntry) }) },
);
const base = node.httpUrl!;

test.after(async () => {
  await node.close(0);
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: string;
  execution_id: string;
  result?: { status: string; execution_id: string; result?: unknown };
  error?: { code: string; message: string };
}

test("meta gateway - a workflow runs another through the node's executor, as its caller, audited as such", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "meta_run", input_data: { said: "hello" } }, TOKENS.runner);
  const answer = body as unknown as Answer;
  assert.is(status, 200, JSON.stringify(body));
  assert.is(answer.status, "completed", JSON.stringify(answer.error));
  assert.equal([answer.result!.status, answer.result!.result], ["completed", { said: "hello" }]);
  const nested = audit.find((entry) => entry.gateway === "workflow" && entry.execution_id === answer.result!.execution_id);
  assert.ok(nested, "the nested call is in the audit log");
  assert.equal([nested!.principal, nested!.method, nested!.outcome], ["runner", "execute_workflow", "ok"]);
});

test("meta gateway - a workflow can do no more than its caller: a token limited to meta_* cannot reach one_step through it", async () => {
  const { body } = await post(base, "execute_workflow", { workflow_name: "meta_run", input_data: 1 }, META_ONLY);
  const answer = body as unknown as Answer;
  assert.is(answer.status, "failed");
  assert.is(answer.error!.code, "WFX_PERMISSION_DENIED");
  assert.match(answer.error!.message, "one_step");
});

test("meta gateway - a workflow that starts itself stops at the depth limit", async () => {
  const { body } = await post(base, "execute_workflow", { workflow_name: "meta_recursive" }, TOKENS.runner);
  const answer = body as unknown as Answer;
  assert.is(answer.status, "completed", "each level ends, the deepest with the refusal as its step's error");
  let level = answer.result!;
  const ids = [answer.execution_id];
  while (level.result !== undefined) {
    ids.push(level.execution_id);
    level = level.result as typeof level;
  }
  ids.push(level.execution_id);
  assert.is(new Set(ids).size, 4, "the top execution and three nested ones (the default limit)");
  const deepest = (await post(base, "check_execution_status", { execution_id: level.execution_id }, TOKENS.runner)).body as unknown as Answer;
  assert.is(deepest.error?.code, "WFX_META_DEPTH_EXCEEDED");
});

test("meta gateway - an isolated execution's executor calls run on its node", async () => {
  const { body } = await post(base, "execute_workflow", { workflow_name: "meta_run", input_data: "from afar", execution_mode: "isolated" }, TOKENS.runner);
  const id = (body as unknown as Answer).execution_id;
  const final = await eventually(async () => {
    const status = (await post(base, "check_execution_status", { execution_id: id }, TOKENS.runner)).body as unknown as Answer;
    return status.status === "running" || status.status === "pending" ? undefined : status;
  }, 15_000, "the isolated execution ends");
  assert.is(final.status, "completed", JSON.stringify(final.error));
  assert.equal([final.result!.status, final.result!.result], ["completed", "from afar"]);
});

test.run();
