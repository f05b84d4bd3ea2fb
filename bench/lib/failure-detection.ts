import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe, type ServeProcess } from "../../test/helpers/serve-process.js";

/** How long after a node's end another node lists it down: killed (its beats stop), and shut down (it says so itself). */
export interface FailureDetection {
  killedMs: number;
  leftMs: number;
}

/**
 * Measures both on `natsUrl` with real `wfx node` processes: an observer, and for each case a node started, seen up by
 * the observer, then ended; the time runs from the signal to the observer's list_nodes showing it down (polled).
 */
export async function failureDetection(natsUrl: string): Promise<FailureDetection> {
  const dirs: string[] = [];
  const started: ServeProcess[] = [];
  const node = async (id: string): Promise<ServeProcess> => {
    const dir = mkdtempSync(join(tmpdir(), `wfx-bench-${id}-`));
    dirs.push(dir);
    const process = await startServe(dir, ["--nats", natsUrl, "--node-id", id, "--tags", "bench-detection"], { WFX_LOG_LEVEL: "warn" }, "node");
    started.push(process);
    return process;
  };
  try {
    const observer = await node("bench-observer");
    const statusOf = async (id: string): Promise<string | undefined> => {
      const res = await fetch(`${observer.url}/list_nodes`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      const nodes = ((await res.json()) as { nodes: { id: string; status: string }[] }).nodes;
      return nodes.find((n) => n.id === id)?.status;
    };
    const until = async (id: string, status: string): Promise<void> => {
      const deadline = performance.now() + 30_000;
      while ((await statusOf(id)) !== status) {
        if (performance.now() > deadline) throw new Error(`the observer never listed ${id} ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const endedAfter = async (id: string, signal: NodeJS.Signals): Promise<number> => {
      const doomed = await node(id);
      await until(id, "up");
      const at = performance.now();
      await doomed.kill(signal);
      await until(id, "down");
      return performance.now() - at;
    };
    return { killedMs: await endedAfter("bench-killed", "SIGKILL"), leftMs: await endedAfter("bench-leaving", "SIGTERM") };
  } finally {
    for (const process of started) await process.kill("SIGTERM");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
