import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer, type NatsServer } from "../../test/helpers/nats-server.js";
import { startServe, type ServeProcess } from "../../test/helpers/serve-process.js";

/** The failover bench's workflows: a step that waits for a file (so it is running when its node is killed), placed or not. */
const STEPS = `import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
export async function gated(input, { signal }) {
  while (!existsSync(input.go)) await sleep(10, undefined, { signal });
  return { pid: process.pid };
}
`;
const FLOWS = `workflows:
  held:
    steps:
      - { id: hold, function: ./steps.mjs#gated, input: "\${input}", retry: { max: 3, backoff_ms: 10 } }
  held_far:
    steps:
      - { id: hold, function: ./steps.mjs#gated, input: "\${input}", placement: { tags: [far] } }
`;

/** A nats-server, a workflow folder every node shares, and `wfx node` processes started and killed at will. */
export class FailoverCluster {
  readonly #dirs: string[] = [];
  readonly #nodes: ServeProcess[] = [];
  readonly flows: string;

  private constructor(readonly nats: NatsServer) {
    this.flows = this.tempDir("flows");
    writeFileSync(join(this.flows, "steps.mjs"), STEPS);
    writeFileSync(join(this.flows, "flow.yaml"), FLOWS);
  }

  static async start(): Promise<FailoverCluster> {
    return new FailoverCluster(await startNatsServer());
  }

  tempDir(name: string): string {
    const dir = mkdtempSync(join(tmpdir(), `wfx-bench-failover-${name}-`));
    this.#dirs.push(dir);
    return dir;
  }

  async node(id: string, tags: string[] = []): Promise<ServeProcess> {
    const started = await startServe(this.tempDir(id), ["--node-id", id, "--nats", this.nats.url, "--workflows", this.flows, ...(tags.length > 0 ? ["--tags", tags.join(",")] : [])], { WFX_LOG_LEVEL: "warn" }, "node");
    this.#nodes.push(started);
    return started;
  }

  async close(): Promise<void> {
    for (const node of this.#nodes) await node.kill("SIGTERM");
    await this.nats.close();
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}
