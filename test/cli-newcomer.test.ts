import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { OPTIONS } from "../src/cli/cli-options.js";
import { copyFixture, eventually } from "./helpers/engine-fixture.js";
import { startWfx, wfx } from "./helpers/cli.js";

// What a newcomer meets first: ids, help, and clear refusals instead of stack traces or silence.

const dataDir = mkdtempSync(join(tmpdir(), "wfx-cli-newcomer-"));
const fixture = copyFixture("engine");
const workflows = join(fixture.dir, "workflows.yaml");
const PACKAGE = fileURLToPath(new URL("../../package.json", import.meta.url));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** A command that should refuse to start must not hang the suite if it starts after all. */
const LIMIT = 30_000;

test.after(() => {
  rmSync(dataDir, { recursive: true, force: true });
  fixture.cleanup();
});

function noStackTrace(text: string): void {
  assert.not.match(text, /\n\s+at .+:\d+:\d+/, `no stack trace in: ${text}`);
  assert.not.match(text, "internal error");
}

test("cli - a sync run prints its execution id first, on stderr", async () => {
  const r = await wfx(["run", workflows, "--workflow", "linear", "--input", '{"value": 2}'], { dataDir });
  assert.is(r.code, 0, r.stderr);
  const id = new RegExp(`^execution (${UUID.source})\\n`).exec(r.stderr)?.[1];
  assert.ok(id, r.stderr);
  const status = await wfx(["status", id!, "--json"], { dataDir });
  assert.equal([JSON.parse(status.stdout).status, JSON.parse(status.stdout).result], ["completed", 4]);
});

test("cli - status from another process shows a running step as running, as the owner does", async () => {
  const report = join(fixture.dir, "newcomer-status.json");
  const run = startWfx(["run", workflows, "--workflow", "hang", "--input", JSON.stringify({ report })], { dataDir, timeoutMs: LIMIT });
  const id = await eventually(() => UUID.exec(run.stderr())?.[0], 10_000, "the run to print its id");
  // The snapshot is written when the execution starts, not when its step does: the step's events say it runs.
  const record = await eventually(async () => {
    const s = await wfx(["status", id, "--json"], { dataDir });
    const r = JSON.parse(s.stdout) as { steps: { status: string }[]; progress: { current: string[] } };
    return r.steps[0]!.status === "running" ? r : undefined;
  }, 10_000, "status to show the step running");
  assert.equal(record.progress.current, ["hang"]);
  const plain = await wfx(["status", id], { dataDir });
  assert.match(plain.stdout, /status:\s+running/);
  assert.match(plain.stdout, /running\s+hang/);
  assert.is((await wfx(["cancel", id], { dataDir })).code, 0);
  assert.is((await run.done).code, 4, "the run ends cancelled");
});

test("cli - a busy port is a clear refusal naming the port and the flag, for each gateway", async () => {
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const http = await wfx(["serve", "--port", String(port), "--no-grpc"], { dataDir, timeoutMs: LIMIT });
    assert.is(http.code, 2, http.stderr);
    assert.match(http.stderr, `port ${port} is already in use`);
    assert.match(http.stderr, "--port N");
    noStackTrace(http.stderr);
    const grpc = await wfx(["serve", "--grpc-port", String(port), "--no-http"], { dataDir, timeoutMs: LIMIT });
    assert.is(grpc.code, 2, grpc.stderr);
    assert.match(grpc.stderr, `gRPC port ${port} is already in use`);
    assert.match(grpc.stderr, "--grpc-port N");
    noStackTrace(grpc.stderr);
  } finally {
    busy.close();
  }
});

test("cli - serve and mcp refuse a workflow folder that does not exist", async () => {
  const missing = join(fixture.dir, "no-such-folder");
  for (const args of [["serve", "--port", "0", "--grpc-port", "0"], ["mcp", "--stdio"]]) {
    const r = await wfx([...args, "--workflows", missing], { dataDir, timeoutMs: LIMIT });
    assert.is(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, `no such workflow folder: ${missing}`);
  }
});

test("cli - list of a missing folder is bad input (exit 2), as the README says", async () => {
  const r = await wfx(["list", join(fixture.dir, "no-such-folder")], { dataDir });
  assert.is(r.code, 2);
  assert.match(r.stderr, "no such directory");
});

test("cli - a missing argument names what is missing and the usage", async () => {
  const r = await wfx(["cancel"], { dataDir });
  assert.is(r.code, 2);
  assert.is(r.stderr, "wfx: missing the execution id\n  hint: usage: wfx cancel ID [--nats URL]... [--json]\n");
});

test("cli - a missing file is said to not exist, by run and validate", async () => {
  const missing = join(fixture.dir, "missing.yaml");
  for (const command of ["run", "validate"]) {
    const r = await wfx([command, missing], { dataDir });
    assert.is(r.code, 2);
    assert.match(r.stderr, `wfx: ${missing} does not exist`);
    assert.not.match(r.stderr, "not a valid workflow file");
  }
});

test("cli - validate warns that an agent workflow has no model endpoint here; run refuses it", async () => {
  const file = join(fixture.dir, "agent.yaml");
  writeFileSync(file, "agents:\n  - id: writer\nworkflows:\n  main:\n    steps:\n      - agent: writer\n        input: hi\n");
  const env = { OPENAI_BASE_URL: "", OPENAI_API_KEY: "" };
  const validated = await wfx(["validate", file], { dataDir, env });
  assert.is(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, "valid (1 workflow: main)");
  assert.match(validated.stderr, /agent\.yaml:6:\d+ warning WFX_AGENT_NO_ENDPOINT .*wfx run refuses this file on this machine/);
  const json = JSON.parse((await wfx(["validate", file, "--json"], { dataDir, env })).stdout);
  assert.equal([json.valid, json.warnings[0].code], [true, "WFX_AGENT_NO_ENDPOINT"]);
  const run = await wfx(["run", file], { dataDir, env });
  assert.is(run.code, 2);
  assert.match(run.stderr, "WFX_AGENT_NO_ENDPOINT");
});

/** Flags a command accepts without using them (serving commands print no JSON; background is internal). */
const UNDOCUMENTED: Readonly<Record<string, readonly string[]>> = { run: ["background"], serve: ["json"], node: ["json"], mcp: ["json"] };

test("cli - each command's --help shows its own usage, every option it accepts and an example", async () => {
  for (const [command, options] of Object.entries(OPTIONS)) {
    const r = await wfx([command, "--help"], { dataDir });
    assert.is(r.code, 0, command);
    assert.ok(r.stdout.startsWith(`usage: wfx ${command}`), `${command}: ${r.stdout.slice(0, 80)}`);
    assert.match(r.stdout, new RegExp(`example:\\n  wfx ${command} `), command);
    for (const name of Object.keys(options ?? {})) {
      if (!UNDOCUMENTED[command]?.includes(name)) assert.match(r.stdout, `--${name}`, `${command} --help names --${name}`);
    }
  }
});

test("cli - --version prints the package version", async () => {
  const r = await wfx(["--version"], { dataDir });
  assert.equal([r.code, r.stdout], [0, `${(JSON.parse(readFileSync(PACKAGE, "utf8")) as { version: string }).version}\n`]);
});

test.run();
