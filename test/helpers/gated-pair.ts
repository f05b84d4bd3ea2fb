import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./engine-fixture.js";
import { post } from "./gateway-node.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";
import { startServe, type ServeProcess } from "./serve-process.js";

/** Two `wfx node`s (a-1, b-1) on a real nats-server serving workflow `gated`: one step (`steps.mjs#gated`, 2 retries). */
export interface GatedPair {
  nats: NatsServer;
  a: ServeProcess;
  b: ServeProcess;
  /** Where the step's function leaves its marks (the test passes it as `input.dir`). */
  markers: string;
  flows: string;
  tempDir(name: string): string;
  /** Starts another node on the same nats-server and workflows. */
  node(id: string): Promise<ServeProcess>;
  /** Resolves once b-1 lists both nodes up. */
  bothUp(): Promise<void>;
  close(): Promise<void>;
}

/** `stepsJs`: the source of `steps.mjs`, exporting `gated(input, { signal })`. */
export async function startGatedPair(name: string, stepsJs: string): Promise<GatedPair> {
  const nats = await startNatsServer();
  const dirs: string[] = [];
  const nodes: ServeProcess[] = [];
  const tempDir = (what: string) => {
    const dir = mkdtempSync(join(tmpdir(), `wfx-${name}-${what}-`));
    dirs.push(dir);
    return dir;
  };
  const markers = tempDir("markers");
  const flows = tempDir("flows");
  writeFileSync(join(flows, "steps.mjs"), stepsJs);
  writeFileSync(join(flows, "flow.yaml"), `workflows:
  gated:
    steps:
      - { id: gate, function: ./steps.mjs#gated, input: "\${input}", retry: { max: 2, backoff_ms: 50 } }
`);
  const node = async (id: string) => {
    const started = await startServe(tempDir(`${id}-data`), ["--node-id", id, "--nats", nats.url, "--workflows", flows], {}, "node");
    nodes.push(started);
    return started;
  };
  const a = await node("a-1");
  const b = await node("b-1");
  return {
    nats,
    a,
    b,
    markers,
    flows,
    tempDir,
    node,
    async bothUp() {
      await eventually(async () => {
        const listed = (await post(b.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
        return ["a-1", "b-1"].every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
      }, 15_000, "both nodes up");
    },
    async close() {
      a.child.kill("SIGCONT");
      for (const n of nodes) await n.kill("SIGTERM");
      await nats.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
