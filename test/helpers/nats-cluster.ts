import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { freePort } from "./nats-server.js";

/** Three Debian nats-servers routed into one cluster with JetStream (R3 capable), on free loopback ports. */
export interface NatsCluster {
  urls: string[];
  /** Stops server `i` (0-2) with `signal`. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

export async function startNatsCluster(): Promise<NatsCluster> {
  const ports = await Promise.all([0, 1, 2].map(() => freePort()));
  const routePorts = await Promise.all([0, 1, 2].map(() => freePort()));
  const dirs = [0, 1, 2].map((i) => mkdtempSync(join(tmpdir(), `wfx-nats-cluster-${i}-`)));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`);
  const children: (ChildProcess | undefined)[] = [];
  await Promise.all(
    [0, 1, 2].map(
      (i) =>
        new Promise<void>((resolve, reject) => {
          const args = ["-a", "127.0.0.1", "-p", String(ports[i]), "-js", "-sd", dirs[i]!, "--server_name", `wfx-n${i}`, "--cluster_name", "wfx-test", "--cluster", routes[i]!, "--routes", routes.filter((_, j) => j !== i).join(",")];
          const proc = spawn("nats-server", args, { stdio: ["ignore", "ignore", "pipe"] });
          children[i] = proc;
          let log = "";
          proc.stderr!.on("data", (chunk: Buffer) => {
            log += chunk;
            if (log.includes("Server is ready")) resolve();
          });
          proc.once("exit", (code) => reject(new Error(`nats-server ${i} exited with ${code}: ${log}`)));
        }),
    ),
  );
  const urls = ports.map((p) => `nats://127.0.0.1:${p}`);
  // JetStream in a cluster answers once its meta group has a leader: wait for it, as a node would retry.
  const nc = await connect({ servers: urls });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await nc.close();
  }
  const kill = async (i: number, signal: NodeJS.Signals = "SIGTERM") => {
    const proc = children[i];
    children[i] = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill(signal);
    await exited;
  };
  return {
    urls,
    kill,
    async close() {
      for (const i of [0, 1, 2]) await kill(i);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
