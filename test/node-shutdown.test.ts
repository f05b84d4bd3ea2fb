import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startServe } from "./helpers/serve-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "wfx-shutdown-"));
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

test("shutdown - from SIGTERM to exit /ready answers 503 'shutting down' and new work is refused, while a running sync call finishes", async () => {
  const node = await startServe(dataDir, ["--workflows", join(FIXTURES, "cluster"), "--grace", "30"]);
  const exited = new Promise<number | null>((resolve) => node.child.once("exit", (code) => resolve(code)));
  const running = post(node.url, "execute_workflow", { workflow_name: "ticking", input_data: { ms: 400 } });
  await eventually(async () => {
    const listed = (await post(node.url, "list_executions", {})).body["executions"] as { status: string }[] | undefined;
    return listed?.some((e) => e.status === "running") ? true : undefined;
  }, 10_000, "the sync execution running");
  node.child.kill("SIGTERM");
  const ready = await eventually(async () => {
    const res = await fetch(`${node.url}/ready`);
    return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : undefined;
  }, 10_000, "/ready 503");
  assert.match(JSON.stringify(ready), "shutting down");
  const refused = await post(node.url, "execute_workflow", { workflow_name: "anywhere", input_data: {} });
  assert.equal([refused.status, refused.body["code"]], [503, "WFX_SHUTTING_DOWN"], JSON.stringify(refused.body));
  const finished = await running;
  assert.is(finished.body["status"], "completed", JSON.stringify(finished.body));
  assert.is(await exited, 0);
});

test.run();
