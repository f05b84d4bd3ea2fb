import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DashboardStatic } from "../src/gateway/http/dashboard-static.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post, startTestNode, TOKEN_ENTRIES, TOKENS, tokensText } from "./helpers/gateway-node.js";

// The HTTP routes the dashboard reads (GET /executions, /nodes/events, /whoami) and the /ui files, against a real node.
// The admin starts every execution; a read_all token lists them (a plain read token sees only its own and its tenant's).
const AUDITOR = "auditor-token-0123456789abcdef";
const t = await startTestNode({ tokensText: tokensText([...TOKEN_ENTRIES, { id: "auditor", token: AUDITOR, scopes: ["read_all"] }]), host: "127.0.0.1", workflowDirs: [join(FIXTURES, "dashboard")] });
const base = t.node.httpUrl!;

test.after(() => t.close());

type Body = Record<string, unknown>;

async function get(path: string, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as Body) : { text }, headers: res.headers };
}

async function run(workflow: string, token: string = TOKENS.admin): Promise<string> {
  const answer = await post(base, "execute_workflow", { workflow_name: workflow, input_data: { n: 1 }, execution_mode: "sync" }, token);
  return answer.body["execution_id"] as string;
}

const quick = [await run("quick"), await run("quick"), await run("quick")];
const held = (await post(base, "execute_workflow", { workflow_name: "hold", execution_mode: "async" }, TOKENS.admin)).body["execution_id"] as string;

test("dashboard api - GET /executions lists newest first, a page at a time, with the count per status", async () => {
  const all = await get("/executions", AUDITOR);
  assert.is(all.status, 200, JSON.stringify(all.body));
  const ids = (all.body["executions"] as Body[]).map((e) => e["execution_id"]);
  assert.equal(ids, [held, ...[...quick].reverse()]);
  assert.equal(all.body["counts"], { pending: 0, queued: 0, running: 1, completed: 3, failed: 0, timeout: 0, cancelled: 0 });
  assert.is(all.body["total_count"], 4);
  const first = (all.body["executions"] as Body[])[1]!;
  assert.equal(Object.keys(first).sort(), ["elapsed_time", "end_time", "execution_id", "execution_mode", "node", "progress", "start_time", "status", "usage", "workflow_name"]);

  const page = await get("/executions?status=completed&limit=2&offset=1", AUDITOR);
  assert.equal((page.body["executions"] as Body[]).map((e) => e["execution_id"]), [quick[1], quick[0]]);
  assert.equal([page.body["total_count"], (page.body["counts"] as Body)["running"]], [3, 1], "counts ignore the status filter");
});

test("dashboard api - GET /executions filters by workflow, node and start time", async () => {
  assert.is((await get("/executions?workflow_name=hold", AUDITOR)).body["total_count"], 1);
  assert.is((await get("/executions?node=test-node", AUDITOR)).body["total_count"], 4);
  assert.is((await get("/executions?node=elsewhere", AUDITOR)).body["total_count"], 0);
  const future = Math.ceil(Date.now() / 1000) + 60;
  assert.is((await get(`/executions?since=${future}`, AUDITOR)).body["total_count"], 0);
  assert.is((await get(`/executions?until=${future}`, AUDITOR)).body["total_count"], 4);
});

test("dashboard api - GET /executions refuses bad filters with the field, and callers without a token", async () => {
  const bad = await get("/executions?limit=lots", AUDITOR);
  assert.is(bad.status, 400);
  assert.is(((bad.body["actionable_feedback"] as Body)["problems"] as Body[])[0]!["field"], "limit");
  const unknown = await get("/executions?colour=red", AUDITOR);
  assert.equal([unknown.status, unknown.body["code"]], [400, "WFX_INVALID_ARGUMENTS"]);
  assert.match(String(unknown.body["message"]), "colour");
  assert.is((await get("/executions")).status, 401);
});

test("dashboard api - a read token lists only what it or its tenant started: here, nothing", async () => {
  const listed = await get("/executions", TOKENS.reader);
  assert.equal([listed.body["total_count"], listed.body["executions"], (listed.body["counts"] as Body)["completed"]], [0, [], 0]);
  assert.is((await get(`/executions/${held}`, TOKENS.reader)).status, 404);
});

test("dashboard api - a token limited to some workflows lists only their executions", async () => {
  const listed = await get("/executions", TOKENS.limited);
  assert.is(listed.body["total_count"], 0, "the limited token (one_*) sees neither quick nor hold");
});

test("dashboard api - GET /whoami names the token's scopes, so the page offers only what it may do", async () => {
  assert.equal((await get("/whoami", TOKENS.reader)).body, { id: "reader", scopes: ["read"], node: "test-node", open: false });
  assert.is((await get("/whoami", "not-a-token-at-all-really")).status, 401);
});

test("dashboard api - GET /nodes/events streams the node registry: this node first", async () => {
  const stop = new AbortController();
  const res = await fetch(`${base}/nodes/events`, { headers: { authorization: `Bearer ${TOKENS.reader}` }, signal: stop.signal });
  assert.equal([res.status, res.headers.get("content-type")], [200, "text/event-stream; charset=utf-8"]);
  const reader = res.body!.getReader();
  let text = "";
  await eventually(async () => {
    text += new TextDecoder().decode((await reader.read()).value);
    return text.includes("event: node.up") ? true : undefined;
  }, 5000, "a node.up event");
  assert.match(text, '"id":"test-node"');
  stop.abort();
  assert.is((await get("/nodes/events")).status, 401);
});

test("dashboard api - the read scope may not cancel; the token that started it may", async () => {
  const refused = await post(base, "cancel_execution", { execution_id: held }, TOKENS.reader);
  assert.equal([refused.status, refused.body["code"]], [403, "WFX_PERMISSION_DENIED"]);
  const cancelled = await post(base, "cancel_execution", { execution_id: held }, TOKENS.admin);
  assert.is(cancelled.body["cancelled"], true);
});

test("dashboard static - /ui serves the shell without a token, under a strict CSP, and index.html for the page's own routes", async () => {
  const shell = await get("/ui/");
  assert.is(shell.status, 200);
  assert.is(shell.headers.get("content-type"), "text/html; charset=utf-8");
  const csp = shell.headers.get("content-security-policy") ?? "";
  assert.match(csp, "script-src 'self'");
  assert.not.match(csp, "unsafe-inline");
  assert.is(shell.headers.get("cache-control"), "no-cache");
  assert.not.match(String(shell.body["text"]), /<script>(?!<)/, "no inline script");
  const route = await get("/ui/executions/some-id");
  assert.equal([route.status, route.body["text"]], [200, shell.body["text"]]);
  const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(String(shell.body["text"]))![1]!;
  const js = await get(asset);
  assert.equal([js.status, js.headers.get("content-type"), js.headers.get("cache-control")], [200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"]);
  assert.is((await get("/ui/assets/missing-123.js")).status, 404);
  assert.is((await fetch(`${base}/ui/`, { method: "POST" })).status, 405);
});

test("dashboard static - the same Host and Origin checks as the API", async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${base}/ui/`, { headers: { host: "evil.example" } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
    req.on("error", reject);
    req.end();
  });
  assert.is(status, 403);
  assert.is((await get("/ui/", undefined, { origin: "http://evil.example" })).status, 403);
});

test("dashboard static - a path may not leave the dashboard's folder, and an unbuilt dashboard says how to build it", async () => {
  const empty = mkdtempSync(join(tmpdir(), "wfx-no-ui-"));
  const answers: { status: number; body: string }[] = [];
  const res = (path: string) =>
    new Promise<void>((resolve) => {
      let body = "";
      let status = 0;
      const fake = {
        writeHead: (s: number) => void (status = s),
        end: (chunk?: Buffer) => {
          body = chunk?.toString() ?? "";
          answers.push({ status, body });
          resolve();
        },
      };
      void new DashboardStatic(empty).serve(path, "GET", fake as never);
    });
  await res("/ui/");
  await res("/ui/..%2F..%2Fetc%2Fpasswd.txt");
  rmSync(empty, { recursive: true, force: true });
  assert.is(answers[0]!.status, 503);
  assert.match(answers[0]!.body, "npm run build");
  assert.is(answers[1]!.status, 404);
  assert.not.match(answers[1]!.body, "root:");
});

test("dashboard api - the step graph and each step's input are in the events", async () => {
  const id = quick[0]!;
  const events = (await post(base, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 }, TOKENS.admin)).body["events"] as Body[];
  const started = events.find((e) => e["type"] === "execution.started")!;
  assert.equal((started["data"] as Body)["graph"], [{ id: "echo", kind: "function", deps: [] }]);
  const step = events.find((e) => e["type"] === "step.started")!;
  assert.equal((step["data"] as Body)["input"], { n: 1 });
});

test.run();
