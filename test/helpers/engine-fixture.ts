import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { loadValidWorkflowFile } from "../../src/config/index.js";
import { MemoryExecutionStore, Runtime, type ExecutionStore, type WorkflowSource } from "../../src/engine/index.js";

/** The source tree's test fixtures (tests run from dist/test, fixtures stay in test/fixtures). */
export const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));

/** Copies a fixture folder to a fresh temp dir, so tests never write into the repository. */
export function copyFixture(name: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `wfx-test-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function loadSource(path: string): Promise<WorkflowSource> {
  return { file: await loadValidWorkflowFile(path), path };
}

export function memoryRuntime(store: ExecutionStore = new MemoryExecutionStore()): Runtime {
  return new Runtime({ store, nodeId: "test-node" });
}

export { sleep };

/** Polls until `check` returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The engine fixture copied to a temp dir, its workflows loaded, and a memory-store runtime; `close` undoes all of it. */
export async function openEngineFixture(): Promise<{ fixture: { dir: string }; source: WorkflowSource; runtime: Runtime; close(): Promise<void> }> {
  const fixture = copyFixture("engine");
  const source = await loadSource(join(fixture.dir, "workflows.yaml"));
  const runtime = memoryRuntime();
  return {
    fixture,
    source,
    runtime,
    async close() {
      await runtime.close();
      fixture.cleanup();
    },
  };
}
