import { request } from "node:http";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startTestNode } from "./helpers/gateway-node.js";

// No tokens: every local caller has every scope, so a page on another site must not be able to call in.
const t = await startTestNode({ maxBodyBytes: 1024 });
const base = new URL(t.node.httpUrl!);
const own = `http://127.0.0.1:${base.port}`;

test.after(() => t.close());

interface Raw {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** A POST as a browser page would send it: its own headers, no helper adding any. */
function rawPost(path: string, headers: Record<string, string>, body: string | (() => Iterable<string>)): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers }));
    });
    req.on("error", reject);
    if (typeof body === "string") return void req.end(body);
    // Chunked, as `fetch` with a stream body sends it: no Content-Length to refuse it by.
    for (const chunk of body()) req.write(chunk);
    req.end();
  });
}

const RUN = JSON.stringify({ workflow_name: "one_step", input_data: 1 });
const startedRuns = async () => (await t.runtime.options.store.listRecords({ workflow_name: "one_step" })).length;

test("cross-site - a tokenless node refuses a POST that is not JSON with 415 and a hint, starting nothing", async () => {
  const before = await startedRuns();
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", undefined]) {
    const { status, body } = await rawPost("/execute_workflow", type === undefined ? {} : { "content-type": type }, RUN);
    assert.is(status, 415, `${type}: ${JSON.stringify(body)}`);
    assert.is(body["code"], "WFX_UNSUPPORTED_MEDIA_TYPE");
    assert.match(String(body["hint"]), "content-type: application/json");
  }
  const mcp = await rawPost("/mcp", { "content-type": "text/plain", accept: "application/json, text/event-stream" }, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
  assert.equal([mcp.status, mcp.body["code"]], [415, "WFX_UNSUPPORTED_MEDIA_TYPE"]);
  assert.is(await startedRuns(), before, "nothing ran");
});

test("cross-site - Origin null (a sandboxed frame, no-cors, text/plain), another localhost port or another scheme is refused with 403", async () => {
  const before = await startedRuns();
  const cases: [Record<string, string>, string][] = [
    [{ origin: "null", "content-type": "text/plain" }, "Origin 'null'"],
    [{ origin: "null", "content-type": "application/json" }, "Origin 'null'"],
    [{ origin: "http://127.0.0.1:1", "content-type": "application/json" }, "http://127.0.0.1:1"],
    [{ origin: "http://localhost:3000", "content-type": "application/json" }, "http://localhost:3000"],
    [{ origin: `https://127.0.0.1:${base.port}`, "content-type": "application/json" }, "https://127.0.0.1"],
    [{ origin: "http://evil.example", "content-type": "application/json" }, "evil.example"],
  ];
  for (const [headers, named] of cases) {
    for (const path of ["/execute_workflow", "/mcp"]) {
      const { status, body } = await rawPost(path, headers, RUN);
      assert.is(status, 403, `${path} ${JSON.stringify(headers)}: ${JSON.stringify(body)}`);
      assert.is(body["code"], "WFX_PERMISSION_DENIED");
      assert.match(String(body["message"]), named);
      assert.match(String(body["message"]), `the node's own origin (http://127.0.0.1:${base.port})`);
    }
  }
  assert.is(await startedRuns(), before, "nothing ran");
  assert.ok(t.audit.some((e) => e.code === "WFX_PERMISSION_DENIED" && e.remote !== undefined), "refusals are audited with the caller's address");
});

test("cross-site - the node's own pages (same scheme, host and port) and clients without an Origin still run workflows", async () => {
  const callers: Record<string, string>[] = [{ origin: own, "content-type": "application/json" }, { "content-type": "application/json; charset=utf-8" }];
  for (const headers of callers) {
    const { status, body } = await rawPost("/execute_workflow", headers, RUN);
    assert.is(status, 200, JSON.stringify(body));
    assert.is(body["status"], "completed");
  }
});

test("oversize - a chunked body past the cap is 413 WFX_PAYLOAD_TOO_LARGE, audited with its address, and the node stays up", async () => {
  const { status, body, headers } = await rawPost("/execute_workflow", { "content-type": "application/json" }, function* () {
    yield `{"workflow_name":"one_step","input_data":"`;
    for (let i = 0; i < 64; i++) yield "x".repeat(1024);
    yield `"}`;
  });
  assert.is(status, 413, JSON.stringify(body));
  assert.is(body["code"], "WFX_PAYLOAD_TOO_LARGE");
  assert.match(String(body["message"]), "over 1024 bytes");
  assert.match(String(body["hint"]), "--max-body-bytes");
  assert.is(headers["connection"], "close");
  const entry = await eventually(() => t.audit.find((e) => e.code === "WFX_PAYLOAD_TOO_LARGE"));
  assert.equal([entry.method, entry.outcome, entry.remote], ["execute_workflow", "error", "127.0.0.1"]);
  assert.is((await fetch(`${t.node.httpUrl}/health`)).status, 200);
});

test.run();
