export { EmbeddedExecutionStore } from "./embedded-store.js";
export { defaultEmbeddedStoreOptions, resolveEmbeddedStoreOptions, type EmbeddedStoreOptions, type ResolvedEmbeddedStoreOptions } from "./embedded-store-options.js";
export { MemoryExecutionStore, type MemoryExecutionStoreOptions } from "./memory-store.js";
export { resolveDataDir } from "./data-dir.js";
export { StoreError, storeClosed } from "./errors.js";
export type { CompactionResult } from "./journal-compactor.js";
export { eventJson, recordJson } from "./stored-json.js";
