import type { ExecutionRecord } from "../engine/internal.js";

/**
 * Whether a stored record is this process's own earlier write of the one it is writing now: same node, same process,
 * same incarnation (an adopter, even on this node after a restart, differs in one of them). A write whose
 * acknowledgement was lost leaves such a record; another process's adoption never does. One that cannot be read is not.
 */
export function sameWriter(stored: () => ExecutionRecord | undefined, writing: ExecutionRecord): boolean {
  let record: ExecutionRecord | undefined;
  try {
    record = stored();
  } catch {
    return false;
  }
  if (record === undefined) return false;
  const instance = writing.resume?.owner_instance;
  return record.node === writing.node && record.pid === writing.pid && (instance === undefined || record.resume?.owner_instance === instance);
}
