import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadNodeProfile } from "../src/config/index.js";
import { wfx, type CliResult } from "./helpers/cli.js";
import { copyFixture, eventually } from "./helpers/engine-fixture.js";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.js";
import { parseShLine, shBlockOf, type ShCommand } from "./helpers/readme-block.js";
import { startWfxBanner, type BannerProcess } from "./helpers/serve-process.js";

// The README's "## Cluster (NATS)" walkthrough, run line by line as a newcomer copies it, with only the changes below.
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const SECTION = "## Cluster (NATS)";

/** What the test knows that the README's lines leave to the reader's machine. */
interface Sandbox {
  natsUrl?: string;
  natsStoreDir?: string;
  flows: string;
}

function orFail<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}

const need = (value: string | undefined, what: string): string => orFail(value, `the walkthrough uses ${what} before the line that starts nats-server`);

/** Every change the test makes to a README line before running it, each with its reason; the rest runs as written. */
const SUBSTITUTIONS: ReadonlyArray<(line: string, s: Sandbox) => string> = [
  // This checkout's built CLI (the helpers run dist/src/cli/main.js), not a package npx would fetch.
  (line) => line.replace(/\bnpx wfx\b/g, "wfx"),
  // The test's own nats-server on a free loopback port, never the machine's 4222.
  (line, s) => line.replace(/nats:\/\/127\.0\.0\.1:4222/g, () => need(s.natsUrl, "NATS")),
  // nats-server's JetStream store: a temp dir (the helper also adds -a 127.0.0.1 -p FREE_PORT).
  (line, s) => line.replace(/\/var\/lib\/nats/g, () => need(s.natsStoreDir, "the NATS store dir")),
  // The node's workflow folder: a temp copy of test/fixtures/cluster (small workflows).
  (line, s) => line.replace(/--workflows flows\b/g, `--workflows ${s.flows}`),
  // Fixed ports -> free ones (0: the node picks one and prints it in its banner).
  (line) => line.replace(/--(grpc-)?port \d+/g, (_, grpc: string | undefined) => `--${grpc ?? ""}port 0`),
  // A node naming no port and no profile would take 4020 and 50051, which another process here may hold.
  (line) => (/^wfx node /.test(line) && !/--port |--profile /.test(line) ? line.replace(/^wfx node /, "wfx node --port 0 --grpc-port 0 ") : line),
  // The profile from this checkout, whatever directory the test runs in.
  (line) => line.replace(/--profile (\S+)/, (_, path: string) => `--profile ${join(REPO, path)}`),
];
// And outside the lines: every wfx command gets a temp data dir of its own (WFX_DATA_DIR), not ~/.wfx/data.

const substitute = (line: string, s: Sandbox) => SUBSTITUTIONS.reduce((text, change) => change(text, s), line);

interface StartedNode {
  id: string;
  tags: readonly string[];
  http?: string;
  process: BannerProcess;
}

const dirs: string[] = [];
const nodes: StartedNode[] = [];
const flows = copyFixture("cluster");
const sandbox: Sandbox = { flows: flows.dir };
let nats: NatsServer | undefined;
/** What `export NAME=$(...)` lines set, given to every later command. */
const exported: Record<string, string> = {};

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-readme-${name}-`));
  dirs.push(dir);
  return dir;
}

const env = (): Record<string, string | undefined> => ({ ...process.env, WFX_DATA_DIR: tempDir("data"), ...exported });

async function runWfx(argv: string[]): Promise<CliResult> {
  const result = await wfx(argv, { dataDir: tempDir("cli"), env: exported, timeoutMs: 30_000 });
  assert.is(result.code, 0, `wfx ${argv.join(" ")} exits 0: ${result.stderr}`);
  return result;
}

type Listed = { id: string; status: string; tags: string[] };
async function listed(): Promise<Listed[]> {
  const result = await runWfx(["nodes", "--nats", need(nats?.url, "NATS"), "--json"]);
  return (JSON.parse(result.stdout) as { nodes: Listed[] }).nodes;
}

const sameTags = (a: readonly string[], b: readonly string[]) => [...a].sort().join(",") === [...b].sort().join(",");

async function nodeStatusIs(id: string, status: string): Promise<void> {
  await eventually(async () => (await listed()).some((n) => n.id === id && n.status === status), 30_000, `wfx nodes --json to list ${id} ${status}`);
}

async function readyStatusIs(node: StartedNode, status: number): Promise<void> {
  const http = orFail(node.http, `node ${node.id} serves no HTTP, so the README's /ready cannot be read`);
  await eventually(async () => (await fetch(`${http}/ready`)).status === status, 30_000, `${node.id} /ready ${status}`);
}

/** A long-running `wfx node ... &`: started in the background, its id and tags taken from the line (or its profile). */
async function startNode(command: ShCommand): Promise<void> {
  const args = command.argv.slice(1);
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const child = await startWfxBanner(args, env());
  const id = orFail(/wfx node (\S+) serving/.exec(child.stderr())?.[1], `no id in the banner of '${command.text}'`);
  const profile = flag("--profile");
  const tags = flag("--tags")?.split(",") ?? (profile === undefined ? [] : loadNodeProfile(profile, {}).tags);
  if (flag("--node-id") !== undefined) assert.is(id, flag("--node-id"), "the node runs under the --node-id the README gives");
  nodes.push({ id, tags, http: /HTTP:\s+(http:\/\/\S+)/.exec(child.stderr())?.[1], process: child });
}

/** Before a foreground wfx command: what the README promises by then must hold (nodes are heard a moment after they start). */
async function before(subcommand: string | undefined): Promise<void> {
  if (subcommand !== "nodes") return;
  await eventually(async () => {
    const seen = await listed();
    return nodes.every((node) => seen.some((n) => n.id === node.id && n.status === "up" && sameTags(n.tags, node.tags)));
  }, 30_000, `every started node (${nodes.map((n) => `${n.id} [${n.tags.join(",")}]`).join(", ")}) up with its tags in wfx nodes --json`);
}

/** After a foreground wfx command: what its README comment promises. */
async function after(argv: string[], result: CliResult): Promise<void> {
  const [subcommand, target] = argv;
  if (subcommand === "nodes") for (const node of nodes) assert.match(result.stdout, new RegExp(`^${node.id}\\s+up\\b`, "m"), `wfx nodes lists ${node.id} up`);
  if (subcommand !== "drain" && subcommand !== "undrain") return;
  const node = orFail(nodes.find((n) => n.id === target), `wfx ${subcommand} names '${target}', which no line of the walkthrough started`);
  await nodeStatusIs(node.id, subcommand === "drain" ? "draining" : "up");
  await readyStatusIs(node, subcommand === "drain" ? 503 : 200);
}

async function run(line: string): Promise<void> {
  if (line.startsWith("nats-server ")) {
    assert.ok(parseShLine(line).background, `'${line}' runs in the background (ends in &)`);
    // Its store dir is known once the helper made it: the line is substituted then.
    nats = await startNatsServer({ args: (storeDir) => ((sandbox.natsStoreDir = storeDir), parseShLine(substitute(line, sandbox)).argv.slice(1)) });
    sandbox.natsUrl = nats.url;
    return;
  }
  const command = parseShLine(substitute(line, sandbox));
  const [program, ...args] = command.argv;
  if (program !== "wfx") assert.unreachable(`the walkthrough runs '${program}', which this test does not know how to run: '${command.text}'`);
  if (args[0] === "node") {
    assert.ok(command.background, `'${command.text}' runs until stopped, so the README must end it in & (the next lines would never run)`);
    return startNode(command);
  }
  assert.not.ok(command.background, `'${command.text}' is a one-shot command`);
  await before(args[0]);
  const result = await runWfx(args);
  if (command.exportAs !== undefined) exported[command.exportAs] = result.stdout.trim();
  await after(args, result);
}

test.after(async () => {
  // SIGTERM, then SIGKILL for a node that has not exited within its drain.
  await Promise.all(nodes.map((n) => Promise.race([n.process.kill("SIGTERM"), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]).then(() => n.process.kill("SIGKILL"))));
  await nats?.close();
  flows.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("readme - the Cluster (NATS) walkthrough runs as written: every node up with its tags, drain and undrain", async () => {
  const lines = shBlockOf(readFileSync(join(REPO, "README.md"), "utf8"), SECTION);
  for (const line of lines) await run(line);
  assert.match(exported["WFX_CLUSTER_KEY"] ?? "", /^[A-Za-z0-9_-]{43}$/, "wfx cluster-key printed a key, and every later command got it");
  assert.ok(nodes.length >= 3, `the walkthrough started its nodes (${nodes.map((n) => n.id).join(", ")})`);
  console.log(`README walkthrough: ${nodes.map((n) => `${n.id} [${n.tags.join(",")}]`).join(", ")} up; ${lines.length} lines run`);
  assert.ok(["nodes", "drain", "undrain"].every((c) => lines.some((l) => l.startsWith(`npx wfx ${c} `))), "the walkthrough lists the nodes, drains one and undrains it");
});

test.run();
