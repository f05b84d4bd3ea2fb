import type { AgentOptions } from "../../agents/index.js";
import type { AgentEndpoint, WorkflowFile } from "../../config/index.js";

/** Messages between a runtime and the isolated process it starts (Node IPC, v8 serialization). */

export interface ExecuteOrder {
  t: "execute";
  executionId: string;
  file: WorkflowFile;
  filePath: string | undefined;
  workflowName: string;
  input: unknown;
  timeoutMs: number | undefined;
  /** Only the variables the workflow references as `${env.X}` (or `${X}` in tool and agent definitions): the process itself runs with a scrubbed environment. */
  env: Record<string, string | undefined>;
  /** Model endpoints of the file's agents, resolved in the parent: the scrubbed environment does not carry them. */
  agentEndpoints: Record<string, AgentEndpoint>;
  agentOptions: AgentOptions;
  /** Address of the parent's observer actor that receives the execution's events. */
  reporter: string;
  parentSystemId: string;
  node: string;
}

/** An actor message crossing the process boundary, in either direction. */
export interface ActorEnvelope {
  t: "actor";
  address: string;
  message: unknown;
}

export type ToChild = ExecuteOrder | ActorEnvelope;
/** `ready`: started and waiting for an order; `bye`: everything before it has been sent, exiting. */
export type ToParent = { t: "ready" } | { t: "bye" } | ActorEnvelope;

/** The address of the supervisor an isolated process runs for `executionId`. */
export function isolatedSystemId(pid: number): string {
  return `isolated-${pid}`;
}
