import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/helpers/nats-server.js";

/** What the server's /varz counts: every message and byte in from publishers and out to subscribers. */
export interface Traffic {
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
}

/** Messages and bytes a second through the server (in plus out) between two /varz reads `seconds` apart. */
export function trafficRate(a: Traffic, b: Traffic, seconds: number): { msgs: number; bytes: number } {
  return { msgs: (b.in_msgs - a.in_msgs + b.out_msgs - a.out_msgs) / seconds, bytes: (b.in_bytes - a.in_bytes + b.out_bytes - a.out_bytes) / seconds };
}

/** A nats-server of the benchmark's own (own port, store dir and monitoring port), read through /varz. */
export class MonitoredNats {
  private constructor(
    readonly url: string,
    readonly monitorPort: number,
    readonly storeDir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<MonitoredNats> {
    const [port, monitorPort] = [await freePort(), await freePort()];
    const storeDir = mkdtempSync(join(tmpdir(), "wfx-bench-registry-nats-"));
    const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort), "-js", "-sd", storeDir], { stdio: ["ignore", "ignore", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      let log = "";
      child.stderr!.on("data", (chunk: Buffer) => {
        log += chunk;
        if (log.includes("Server is ready")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
    });
    return new MonitoredNats(`nats://127.0.0.1:${port}`, monitorPort, storeDir, child);
  }

  async traffic(): Promise<Traffic> {
    const varz = (await (await fetch(`http://127.0.0.1:${this.monitorPort}/varz`)).json()) as Traffic;
    return { in_msgs: varz.in_msgs, out_msgs: varz.out_msgs, in_bytes: varz.in_bytes, out_bytes: varz.out_bytes };
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
