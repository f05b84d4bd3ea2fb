import type { CancelResult } from "./execution-client.js";
import type { ExecutionLauncher } from "./execution-launcher.js";
import type { ExecutionLocator } from "./execution-locator.js";
import type { OrphanAdoption } from "./orphan-adoption.js";
import type { ExecutionRecorder } from "./recorder.js";
import type { ExecutionRecord, ExecutionStore } from "./types.js";

/** What a cancel needs: where the execution runs, and each place's way of stopping it. */
export interface CancelParts {
  locator: ExecutionLocator;
  launcher: ExecutionLauncher;
  recorder: ExecutionRecorder;
  orphans: OrphanAdoption;
  store: ExecutionStore;
}

function cancelAnswer(executionId: string, record: ExecutionRecord): CancelResult {
  const cancelled = record.status === "cancelled";
  return { execution_id: executionId, status: record.status, cancelled, message: cancelled ? "Execution cancelled" : `Execution had already ended: ${record.status}` };
}

/** Cancels an execution wherever the locator finds it: run by this process, by another sharing the data dir, or by nobody. */
export async function cancelExecution(executionId: string, reason: string, parts: CancelParts): Promise<CancelResult> {
  const at = await parts.locator.locate(executionId);
  switch (at.where) {
    case "here":
    case "isolated":
      parts.launcher.cancel(executionId, reason);
      return cancelAnswer(executionId, await parts.recorder.whenDone(executionId));
    case "unknown":
      return { execution_id: executionId, status: "not_found", cancelled: false, message: `No execution with id ${executionId}` };
    case "ended":
      return { execution_id: executionId, status: at.record.status, cancelled: false, message: `Execution already ended: ${at.record.status}` };
    case "orphaned":
      // Undefined: another process adopted it just now; ask it like any live owner.
      return (await parts.orphans.cancel(at.record, reason)) ?? cancelExecution(executionId, reason, parts);
    default: {
      const record = at.record ?? (await parts.store.getRecord(executionId))!;
      const final = await parts.launcher.askOwner(executionId, record);
      if (final && final.status === "cancelled") return { execution_id: executionId, status: "cancelled", cancelled: true, message: "Execution cancelled" };
      return { execution_id: executionId, status: final?.status ?? record.status, cancelled: false, message: final ? `Execution ended: ${final.status}` : "The process running this execution did not answer; it may have died" };
    }
  }
}
