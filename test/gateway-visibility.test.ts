import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasScope, LOCAL_PRINCIPAL, loadTokens, maySee, parseTokens, TokenStore } from "../src/gateway/auth/index.js";
import { GatewayError } from "../src/gateway/index.js";
import { post, startTestNode } from "./helpers/gateway-node.js";

// maySee, the one rule every read path asks, and the token file fields it rests on.
const store = new TokenStore(
  parseTokens(
    `
- { id: a1, token: "tenant-a-first-token-01", scopes: [execute, read], tenant: team-a }
- { id: a2, token: "tenant-a-second-token-1", scopes: [read], tenant: team-a }
- { id: solo, token: "no-tenant-token-0123456", scopes: [execute, read] }
- { id: ops, token: "read-all-token-0123456", scopes: [read_all] }
`,
    "tokens.yaml",
  ),
);
const who = (token: string) => store.authenticate(`Bearer ${token}`);
const [a1, a2, solo, ops] = [who("tenant-a-first-token-01"), who("tenant-a-second-token-1"), who("no-tenant-token-0123456"), who("read-all-token-0123456")];

test("visibility - own, the tenant's, and everything with read_all or admin", () => {
  const ofA1 = { started_by: "a1", started_by_tenant: "team-a" };
  const ofSolo = { started_by: "solo" };
  const fromCli = {};
  assert.equal([maySee(a1, ofA1), maySee(a2, ofA1), maySee(solo, ofA1), maySee(ops, ofA1)], [true, true, false, true]);
  assert.equal([maySee(a1, ofSolo), maySee(solo, ofSolo), maySee(ops, ofSolo)], [false, true, true]);
  assert.equal([maySee(a1, fromCli), maySee(solo, fromCli), maySee(ops, fromCli), maySee(LOCAL_PRINCIPAL, fromCli)], [false, false, true, true]);
  assert.not.ok(maySee(solo, { started_by_tenant: undefined }), "no tenant on either side is no match");
  assert.not.ok(maySee({ id: "solo", scopes: new Set(["read"]), tenant: "team-b" }, ofA1), "the tenant must be the same one");
});

test("visibility - read_all is read over every tenant, not more", () => {
  assert.equal([hasScope(ops, "read"), hasScope(ops, "read_all"), hasScope(ops, "execute"), hasScope(a1, "read_all")], [true, true, false, false]);
  assert.equal([a1.tenant, solo.tenant], ["team-a", undefined]);
});

test("visibility - a token file's tenant must be a name, and an id may not be used twice across the file and WFX_TOKENS", () => {
  assert.throws(() => parseTokens('[{"id":"x","token":"long-enough-token-1","scopes":["read"],"tenant":""}]', "env"), /tenant/);
  const dir = mkdtempSync(join(tmpdir(), "wfx-tokens-"));
  try {
    const file = join(dir, "tokens.yaml");
    writeFileSync(file, '- { id: shared, token: "file-token-0123456789", scopes: [read], tenant: a }\n');
    const error = (() => {
      try {
        loadTokens({ file, envText: '[{"id":"shared","token":"env-token-0123456789","scopes":["read"]}]' });
      } catch (e) {
        return e;
      }
    })() as GatewayError;
    assert.instance(error, GatewayError);
    assert.equal([error.code, error.message], ["WFX_TOKENS_INVALID", `${file} and WFX_TOKENS: duplicate token id 'shared'`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("visibility - without a token file the local caller sees everything, the CLI's executions too", async () => {
  const open = await startTestNode();
  try {
    const viaGateway = String((await post(open.node.httpUrl!, "execute_workflow", { workflow_name: "one_step", input_data: 1 })).body["execution_id"]);
    const source = (await open.node.operations.deps.workflows.resolve("one_step")).source;
    const fromCli = (await open.runtime.start({ source, workflowName: "one_step", input: 2 }).done).execution_id;
    const listed = (await (await fetch(`${open.node.httpUrl}/executions`)).json()) as { executions: { execution_id: string }[] };
    assert.equal(new Set(listed.executions.map((e) => e.execution_id)), new Set([viaGateway, fromCli]));
    assert.is((await post(open.node.httpUrl!, "check_execution_status", { execution_id: fromCli })).body["status"], "completed");
  } finally {
    await open.close();
  }
});

test.run();
