import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLUSTER_KEY_ENV } from "./helpers/cluster-key.js";
import { freePort, startNatsServer } from "./helpers/nats-server.js";
import { startWfxBanner } from "./helpers/serve-process.js";

// `wfx node` without a profile takes its gateways' ports from WFX_HTTP_PORT and WFX_GRPC_PORT, as one with a profile does.
const nats = await startNatsServer();
const dir = mkdtempSync(join(tmpdir(), "wfx-env-ports-"));

test.after(async () => {
  await nats.close();
  rmSync(dir, { recursive: true, force: true });
});

test("wfx node without a profile - WFX_HTTP_PORT and WFX_GRPC_PORT set its ports; --port goes over them", async () => {
  const [http, grpc, flag] = [await freePort(), await freePort(), await freePort()];
  const env = { PATH: process.env["PATH"], HOME: dir, ...CLUSTER_KEY_ENV, WFX_HTTP_PORT: String(http), WFX_GRPC_PORT: String(grpc) };
  const node = await startWfxBanner(["node", "--node-id", "ports-1", "--nats", nats.url, "--data-dir", join(dir, "a")], env);
  try {
    assert.match(node.stderr(), new RegExp(`HTTP:\\s+http://127\\.0\\.0\\.1:${http} `));
    assert.match(node.stderr(), new RegExp(`gRPC:\\s+127\\.0\\.0\\.1:${grpc} `));
    const ready = await fetch(`http://127.0.0.1:${http}/health`);
    assert.is(ready.status, 200);
  } finally {
    await node.kill("SIGTERM");
  }
  const flagged = await startWfxBanner(["node", "--node-id", "ports-2", "--nats", nats.url, "--data-dir", join(dir, "b"), "--port", String(flag)], env);
  try {
    assert.match(flagged.stderr(), new RegExp(`HTTP:\\s+http://127\\.0\\.0\\.1:${flag} `));
  } finally {
    await flagged.kill("SIGTERM");
  }
});

test.run();
