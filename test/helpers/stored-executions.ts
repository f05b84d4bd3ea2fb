import { EmbeddedExecutionStore } from "../../src/engine/index.js";

/** How many executions a data dir holds with this input, read from its journal as another process would. */
export async function storedExecutionsWith(dataDir: string, input: unknown): Promise<number> {
  const store = await EmbeddedExecutionStore.open({ dataDir, readOnly: true });
  try {
    return (await store.listRecords({ limit: 10_000 })).filter((r) => JSON.stringify(r.input) === JSON.stringify(input)).length;
  } finally {
    await store.close();
  }
}
