import { EmbeddedExecutionStore, resolveDataDir, Runtime, type RuntimeOptions } from "../engine/index.js";

/** The CLI's runtime: embedded on-disk store in the data dir, so other `wfx` processes see the same executions. */
export async function openRuntime(dataDir: string | undefined, options: Partial<Pick<RuntimeOptions, "tools">> = {}): Promise<Runtime> {
  const dir = dataDir ?? resolveDataDir();
  const store = await EmbeddedExecutionStore.open({ dataDir: dir });
  return new Runtime({ ...options, store, dataDir: dir });
}
