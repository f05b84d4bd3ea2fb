import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openRuntime } from "../../src/cli/open-runtime.js";
import { loadValidWorkflowFile } from "../../src/config/index.js";
import { MemoryExecutionStore, Runtime, type WorkflowSource } from "../../src/engine/index.js";

/** The source tree's bench fixtures (the bench runs from dist/bench, fixtures stay in bench/fixtures). */
export const FIXTURES = fileURLToPath(new URL("../../../bench/fixtures/", import.meta.url));
export const WORKFLOWS = join(FIXTURES, "workflows.yaml");
export const STEPS = join(FIXTURES, "steps.js");

export async function loadSource(path = WORKFLOWS): Promise<WorkflowSource> {
  return { file: await loadValidWorkflowFile(path), path };
}

export interface BenchRuntime {
  runtime: Runtime;
  /** Bytes in the data dir's journal so far (0 for the memory store). */
  journalBytes(): number;
  close(): Promise<void>;
}

/**
 * The default runtime, as `wfx` opens it: an EmbeddedExecutionStore (batched journal writes, every event recorded)
 * in a fresh temp data dir, which is removed on close.
 */
export async function embeddedRuntime(label: string): Promise<BenchRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), `wfx-bench-${label}-`));
  const runtime = await openRuntime(dataDir);
  return {
    runtime,
    journalBytes() {
      const dir = join(dataDir, "journal");
      return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    },
    async close() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function memoryRuntime(): BenchRuntime {
  const runtime = new Runtime({ store: new MemoryExecutionStore() });
  return { runtime, journalBytes: () => 0, close: () => runtime.close() };
}
