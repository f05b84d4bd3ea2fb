import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real nats-server (Debian's) on a free loopback port with JetStream in a store dir of its own; restartable. */
export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM, or SIGKILL for a crash); `start` brings it back on the same port and store. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Options after the loopback address and free port the helper always sets: JetStream in the given store dir by default. */
export interface NatsServerOptions {
  args?: (storeDir: string) => string[];
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const args = options.args ?? ((dir: string) => ["-js", "-sd", dir]);
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "wfx-nats-"));
  const serverArgs = ["-a", "127.0.0.1", "-p", String(port), ...args(storeDir)];
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn("nats-server", serverArgs, { stdio: ["ignore", "ignore", "pipe"] });
      child = proc;
      let log = "";
      proc.stderr!.on("data", (chunk: Buffer) => {
        log += chunk;
        if (log.includes("Server is ready")) resolve();
      });
      proc.once("exit", (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
    });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start,
    stop,
    async close() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
