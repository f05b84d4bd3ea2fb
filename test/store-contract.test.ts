import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedExecutionStore, MemoryExecutionStore } from "../src/engine/store/index.js";
import type { ExecutionStore } from "../src/engine/types.js";
import { storeContract } from "./helpers/store-contract.js";

storeContract("memory", async () => ({ store: new MemoryExecutionStore(), cleanup: async () => {} }));

storeContract("embedded", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wfx-store-contract-"));
  const store = await EmbeddedExecutionStore.open({ dataDir: dir });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

storeContract("embedded (read back from disk)", async () => {
  // Every read goes through a second store, so the journal files (not the writer's memory) answer.
  const dir = await mkdtemp(join(tmpdir(), "wfx-store-contract-disk-"));
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  const store: ExecutionStore = {
    putRecord: (r) => writer.putRecord(r),
    appendEvent: (e) => writer.appendEvent(e),
    getRecord: async (id) => (await writer.flush(), reader.getRecord(id)),
    getEvents: async (id, after) => (await writer.flush(), reader.getEvents(id, after)),
    listRecords: async (q) => (await writer.flush(), reader.listRecords(q)),
    claim: (n, v) => writer.claim(n, v),
    release: (n) => writer.release(n),
    flush: () => writer.flush(),
    close: async () => (await writer.close(), reader.close()),
  };
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});
