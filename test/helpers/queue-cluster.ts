import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateServer, type GateServer } from "./gate-server.js";
import { post } from "./gateway-node.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";
import { QUEUE_WORKFLOWS } from "./queue-node.js";
import { startServe, type ServeProcess } from "./serve-process.js";

type Msg = Record<string, unknown>;

/** A gateway-only node and workers of capacity 1 tagged `pool` on a real nats-server, with the queue fixtures. */
export interface QueueCluster {
  nats: NatsServer;
  gate: GateServer;
  gateway: ServeProcess;
  workers: ServeProcess[];
  /** Starts a worker (kept in `workers`); `tags` its --tags, `pool` unless given. */
  worker(id: string, tags?: string): Promise<ServeProcess>;
  run(input: Msg, extra?: Msg, token?: string): Promise<{ body: Msg }>;
  status(id: unknown, token?: string): Promise<Msg>;
  listed(): Promise<{ id: string; status: string; load?: number }[]>;
  close(): Promise<void>;
}

/** `tokens`: a token file's YAML for the gateway (callers then pass a token; the status reads use `reader`'s). */
export async function startQueueCluster(name: string, options: { tokens?: string; reader?: string } = {}): Promise<QueueCluster> {
  const nats = await startNatsServer();
  const gate = await startGateServer();
  const dir = mkdtempSync(join(tmpdir(), `wfx-${name}-`));
  const profile = join(dir, "gateway.yaml");
  writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\n`);
  const tokens = options.tokens === undefined ? [] : ["--tokens", join(dir, "tokens.yaml"), "--host", "127.0.0.1"];
  if (options.tokens !== undefined) writeFileSync(join(dir, "tokens.yaml"), options.tokens);
  const gateway = await startServe(join(dir, "gateway"), ["--node-id", "gw-1", "--profile", profile, "--workflows", QUEUE_WORKFLOWS, ...tokens], {}, "node");
  const reader = options.reader;
  const workers: ServeProcess[] = [];
  return {
    nats,
    gate,
    gateway,
    workers,
    async worker(id, tags = "pool") {
      const started = await startServe(join(dir, id), ["--node-id", id, "--nats", nats.url, "--workflows", QUEUE_WORKFLOWS, "--max-concurrent", "1", "--tags", tags], {}, "node");
      workers.push(started);
      return started;
    },
    run: (input, extra = {}, token) => post(gateway.url, "execute_workflow", { workflow_name: "work", input_data: input, execution_mode: "async", ...extra }, token),
    status: async (id, token = reader) => (await post(gateway.url, "check_execution_status", { execution_id: id }, token)).body,
    listed: async () => ((await post(gateway.url, "list_nodes", {}, reader)).body["nodes"] ?? []) as { id: string; status: string; load?: number }[],
    async close() {
      for (const w of workers) await w.kill("SIGTERM");
      await gateway.kill("SIGTERM");
      await nats.close();
      await gate.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
