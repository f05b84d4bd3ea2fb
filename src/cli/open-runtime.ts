import { EmbeddedExecutionStore, resolveDataDir, Runtime, type ExecutionClient, type RuntimeOptions } from "../engine/index.js";

/** The CLI's runtime: embedded on-disk store in the data dir, so other `wfx` processes see the same executions. */
export async function openRuntime(dataDir: string | undefined, options: Partial<Pick<RuntimeOptions, "tools">> = {}): Promise<Runtime> {
  const dir = dataDir ?? resolveDataDir();
  const store = await EmbeddedExecutionStore.open({ dataDir: dir });
  return new Runtime({ ...options, store, dataDir: dir });
}

/** Runs `use` with a client of the executions in the data dir, and closes what it opened once `use` settles. */
export async function withClient<T>(dataDir: string | undefined, use: (client: ExecutionClient) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(dataDir);
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}
