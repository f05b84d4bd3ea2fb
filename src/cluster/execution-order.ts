import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Budget, Placement, WorkflowFile } from "../config/index.js";
import { locateWorkflow, workflowIdentityOf, type ExecuteRequest, type ExecutionMode, type WorkflowIdentity, type WorkflowSource } from "../engine/internal.js";
import { ClusterError } from "./errors.js";
import { given } from "../present.js";
import { callerTrace, type TraceHeaders } from "../observability/trace-context.js";

/**
 * An execution placement sent to another node, as data: the workflow file as the caller gave it (the receiving node
 * applies the same environment and override), where the file goes in that node's folders, and the request's settings.
 */
export interface ExecutionOrder {
  executionId: string;
  workflowName: string;
  fileJson: string;
  origin: "operator" | "caller";
  /** The file's name; a caller's goes in the sandbox folder of the same name on the receiving node. */
  fileName: string;
  sandbox?: string;
  /** An operator's file inside the workflow folders: the receiver runs its own copy of exactly this file, from the same place. */
  file?: WorkflowIdentity;
  input?: unknown;
  mode: ExecutionMode;
  timeoutS?: number;
  environment?: string;
  configOverride?: unknown;
  /** The request's budget; the receiving node checks it against the workflow and its own caller policy again. */
  budget?: Budget;
  startedBy?: string;
  startedByTenant?: string;
  placement?: ExecuteRequest["placement"];
  /** The caller's W3C trace headers: the execution's span, on the receiving node, is its child. */
  trace?: TraceHeaders;
  /** Its priority, key and limits: a full node queues it by them. */
  ticket?: ExecuteRequest["ticket"];
  /** The node that placed it (for its log and the record's messages). */
  placedBy: string;
}

/** Folders the receiving node puts ordered files in: an operator's workflow folder, and the caller sandboxes' root. */
export interface OrderFolders {
  operator: string;
  callerRoot: string;
  /** Every workflow folder of the node: where an order's named operator file is looked for. */
  workflowFolders: readonly string[];
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function orderOf(request: ExecuteRequest, init: { executionId: string; workflowName: string; environment: string | undefined; placedBy: string; workflowFolders: readonly string[] }): ExecutionOrder {
  const { source } = request;
  const origin = source.origin ?? "operator";
  const path = source.path ?? "workflow.yaml";
  const file = origin === "operator" ? workflowIdentityOf(source.path, init.workflowFolders) : undefined;
  return {
    executionId: init.executionId,
    workflowName: init.workflowName,
    fileJson: JSON.stringify(source.file),
    origin,
    fileName: basename(path),
    ...(origin === "caller" && source.path !== undefined ? { sandbox: basename(dirname(source.path)) } : {}),
    ...given({ file, input: request.input }),
    mode: request.mode ?? "sync",
    ...given({ timeoutS: request.timeoutS, environment: init.environment, configOverride: request.configOverride, budget: request.budget, startedBy: request.startedBy, startedByTenant: request.startedByTenant, placement: request.placement, trace: request.trace, ticket: request.ticket }),
    placedBy: init.placedBy,
  };
}

function bad(what: string): ClusterError {
  return new ClusterError("WFX_CLUSTER_CONFIG", `an order carries ${what}`, { hint: "the order was corrupted, or sent by a node running another version; it was not run" });
}

/**
 * The caller's sandbox folder of that name under this node's root, made when missing: the folder a caller's workflow
 * (an execution or one step of it placed here) runs in, as on the node the caller called.
 */
export function callerSandbox(callerRoot: string, name: string | undefined): string {
  if (name === undefined || !SAFE_NAME.test(name)) throw bad("a caller's workflow without a plain sandbox name");
  const dir = join(callerRoot, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The order as this node starts it: its file in this node's folders (a caller's in the caller's own sandbox here). */
export function requestOf(order: ExecutionOrder, folders: OrderFolders, nodeId: string): ExecuteRequest {
  if (!SAFE_NAME.test(order.fileName)) throw bad(`a file name that is not a plain name: '${order.fileName}'`);
  const path = order.origin === "operator" && order.file !== undefined ? locateWorkflow(order.file, folders.workflowFolders, nodeId) : join(order.origin === "caller" ? callerSandbox(folders.callerRoot, order.sandbox) : folders.operator, order.fileName);
  const source: WorkflowSource = { file: JSON.parse(order.fileJson) as WorkflowFile, path, origin: order.origin };
  return {
    source,
    workflowName: order.workflowName,
    executionId: order.executionId,
    mode: order.mode,
    ...given({ input: order.input, timeoutS: order.timeoutS, environment: order.environment, configOverride: order.configOverride, budget: order.budget, startedBy: order.startedBy, startedByTenant: order.startedByTenant, placement: order.placement, trace: callerTrace(order.trace?.traceparent, order.trace?.tracestate), ticket: order.ticket }),
  };
}

/** A workflow's own `placement:` from a file's JSON (an orphan's resume spec); none when the JSON does not say. */
export function workflowPlacementOf(fileJson: string, workflowName: string): Placement | undefined {
  try {
    const file = JSON.parse(fileJson) as WorkflowFile;
    return Object.hasOwn(file.workflows ?? {}, workflowName) ? file.workflows[workflowName]!.placement : undefined;
  } catch {
    return undefined;
  }
}
