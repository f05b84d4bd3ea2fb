import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFixture, eventually } from "./helpers/engine-fixture.js";
import { GATEWAY_WORKFLOWS, post } from "./helpers/gateway-node.js";
import { WFX, wfx } from "./helpers/cli.js";
import { startServe } from "./helpers/serve-process.js";

// The CLI as a new user meets it: a quiet terminal, every URL in the banner, hints where an id is not found, no
// error for cancelling what already ended, `wfx list` quiet about YAML that is not ours, one node id per machine.

const dataDir = mkdtempSync(join(tmpdir(), "wfx-cli-calm-"));
const fixture = copyFixture("engine");
const workflows = join(fixture.dir, "workflows.yaml");

test.after(() => {
  rmSync(dataDir, { recursive: true, force: true });
  fixture.cleanup();
});

/** `wfx serve` inside a real pseudo-terminal (util-linux `script`), as a person starts it. */
function serveOnTerminal(args: string[]) {
  const command = [process.execPath, WFX, "serve", "--port", "0", "--data-dir", dataDir, ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { ...process.env, WFX_LOG_LEVEL: "info" }, stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  child.stdout.on("data", (d) => (screen += d));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return { screen: () => screen, stop: async () => (child.kill("SIGTERM"), await exited) };
}

test("cli calm - on a terminal, wfx serve lists every URL and logs one plain line per request", async () => {
  const serve = serveOnTerminal(["--workflows", GATEWAY_WORKFLOWS, "--grpc-port", "0"]);
  try {
    const url = await eventually(() => /HTTP:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(serve.screen())?.[1], 15_000, "wfx serve to start");
    await eventually(() => /gRPC:\s+\S+/.test(serve.screen()), 5000, "the whole banner");
    for (const line of [`MCP:       ${url}/mcp`, `dashboard: ${url}/ui`, `metrics:   ${url}/metrics`]) assert.match(serve.screen(), line);
    assert.is((await post(url, "execute_workflow", { workflow_name: "one_step", input_data: 5 })).body["result"], 5);
    const line = await eventually(() => serve.screen().split(/\r?\n/).find((l) => l.includes("  execute_workflow  ")), 5000, "the request's log line");
    assert.match(line, /^\d\d:\d\d:\d\d {2}http {2}local {2}execute_workflow {2}ok {2}[\d.]+ms {2}one_step {2}[0-9a-f-]{36} {2}completed( {2}\S+)?$/, JSON.stringify(line));
    assert.not.match(serve.screen(), '{"level"', "no JSON on the terminal");
  } finally {
    await serve.stop();
  }
});

test("cli calm - off a terminal the logs stay JSON; --log-format pretty asks for lines, a bad format is refused", async () => {
  const piped = await startServe(dataDir, ["--workflows", GATEWAY_WORKFLOWS]);
  await post(piped.url, "execute_workflow", { workflow_name: "one_step", input_data: 1 });
  const entry = await eventually(() => piped.stderr().split("\n").find((l) => l.includes('"method":"execute_workflow"')), 5000, "the JSON audit line");
  assert.is(JSON.parse(entry)["audit"], true);
  assert.match(piped.stderr(), "logs:      JSON lines");
  await piped.kill("SIGTERM");
  const pretty = await startServe(dataDir, ["--workflows", GATEWAY_WORKFLOWS, "--log-format", "pretty"]);
  await post(pretty.url, "list_workflows", {});
  await eventually(() => /\d\d:\d\d:\d\d {2}http {2}local {2}list_workflows {2}ok/.test(pretty.stderr()), 5000, "a pretty line");
  await pretty.kill("SIGTERM");
  const bad = await wfx(["serve", "--log-format", "xml", "--port", "0"], { dataDir, timeoutMs: 30_000 });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, "wfx: --log-format must be json or pretty, got 'xml'\n  hint: ");
});

test("cli calm - wfx status and wfx cancel of an unknown id say where else to look", async () => {
  const env = { WFX_NATS_URL: "" };
  const status = await wfx(["status", "no-such-id"], { dataDir, env });
  assert.is(status.code, 5);
  assert.match(status.stderr, `no execution with id no-such-id\n  hint: this looked in the data dir ${dataDir}; `);
  assert.match(status.stderr, "add --nats nats://HOST:4222 (or set WFX_NATS_URL)");
  const cancel = await wfx(["cancel", "no-such-id"], { dataDir, env });
  assert.is(cancel.code, 5);
  assert.match(cancel.stderr, "no execution with id no-such-id\n  hint: ");
  assert.match(cancel.stderr, "--nats");
});

test("cli calm - cancelling an execution that already ended exits 0 and says so", async () => {
  const run = await wfx(["run", workflows, "--workflow", "linear", "--input", '{"value": 2}'], { dataDir });
  const id = /^execution (\S+)/.exec(run.stderr)![1]!;
  const cancel = await wfx(["cancel", id], { dataDir });
  assert.is(cancel.code, 0, cancel.stderr);
  assert.is(cancel.stdout, `execution ${id} had already ended (completed); nothing to cancel\n`);
});

test("cli calm - wfx list skips YAML that declares no workflows quietly, and counts it; broken workflow files are still named", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wfx-cli-list-"));
  writeFileSync(join(dir, "flows.yaml"), readFileSync(workflows, "utf8"));
  writeFileSync(join(dir, "steps.js"), readFileSync(join(fixture.dir, "steps.js"), "utf8"));
  mkdirSync(join(dir, "deploy"));
  writeFileSync(join(dir, "deploy", "service.yaml"), "apiVersion: v1\nkind: Service\nmetadata: { name: web }\n");
  writeFileSync(join(dir, "deploy", "chart.yaml"), "{{- if .Values.enabled }}\nkind: ConfigMap\n{{- end }}\n");
  writeFileSync(join(dir, "broken.yaml"), "workflows:\n  w:\n    steps: nope\n");
  const r = await wfx(["list", dir], { dataDir });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /linear\s+\d+ steps\s+flows\.yaml/);
  assert.match(r.stdout, /Found \d+ workflows \(skipped 2 YAML files that declare no workflows\)\n$/);
  assert.equal(r.stderr.trim().split("\n").map((l) => l.split(":")[0]), ["skipped broken.yaml"], "only the broken workflow file is warned about");
  rmSync(dir, { recursive: true, force: true });
});

test("cli calm - CLI runs record one node id per machine (the host name, or WFX_NODE_ID)", async () => {
  const ids: string[] = [];
  for (const env of [{}, {}, { WFX_NODE_ID: "laptop-1" }] as Record<string, string>[]) {
    const run = await wfx(["run", workflows, "--workflow", "linear", "--input", '{"value": 1}'], { dataDir, env });
    ids.push(/^execution (\S+)/.exec(run.stderr)![1]!);
  }
  const statuses = await Promise.all(ids.map((id) => wfx(["status", id, "--json"], { dataDir })));
  // The exit code and stderr name what went wrong if a status ever comes back empty (three processes compact at open).
  const nodes = statuses.map((s) => (s.code === 0 ? (JSON.parse(s.stdout) as { node: string }).node : `exit ${s.code}: ${s.stderr}`));
  assert.equal(nodes, [hostname(), hostname(), "laptop-1"]);
});

test("cli calm - engines says Node >= 20, and the dependency that declares >= 22 (@nats-io/nuid) works on this Node", async () => {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { engines: { node: string } };
  assert.is(pkg.engines.node, ">=20");
  assert.ok(Number(process.versions.node.split(".")[0]) >= 20);
  const { nuid } = await import("@nats-io/nuid");
  assert.match(nuid.next(), /^[0-9A-Za-z]{22}$/);
});

test.run();
