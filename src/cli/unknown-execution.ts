import { resolveDataDir, TERMINAL_STATUSES, type CancelResult } from "../engine/index.js";
import { EXIT } from "./exit-codes.js";
import { natsServers } from "./nats-servers.js";

/**
 * Where else the id may be: a command reads the data dir's executions unless told the cluster's (--nats or
 * WFX_NATS_URL), and a newcomer looking for one that runs in the cluster would otherwise be told only "no execution".
 */
export function unknownExecutionHint(nats: readonly string[] | undefined, dataDir: string | undefined): string {
  if (natsServers(nats).length > 0) return "no execution with that id in the cluster's store either; ids come from `wfx run`, execute_workflow or `wfx status --nats URL`";
  return `this looked in the data dir ${dataDir ?? resolveDataDir()}; for an execution in a cluster add --nats nats://HOST:4222 (or set WFX_NATS_URL)`;
}

/** `wfx cancel`'s line for people and its exit code: an execution that had already ended is no error (it is stopped). */
export function cancelOutcome(result: CancelResult, hint: string): { text: string; code: number; toErr: boolean } {
  if (result.cancelled) return { text: `${result.message}\n`, code: EXIT.ok, toErr: false };
  if (result.status === "not_found") return { text: `no execution with id ${result.execution_id}\n  hint: ${hint}\n`, code: EXIT.notFound, toErr: true };
  if (TERMINAL_STATUSES.has(result.status)) return { text: `execution ${result.execution_id} had already ended (${result.status}); nothing to cancel\n`, code: EXIT.ok, toErr: false };
  return { text: `${result.message}\n`, code: EXIT.failed, toErr: true };
}
