import { createHash } from "node:crypto";
import { basename } from "node:path";
import type { Placement, WorkflowFile } from "../config/index.js";
import type { ExecutionPlan, StepActionData } from "./plan.js";
import { workflowIdentityOf, type WorkflowIdentity } from "./workflow-identity.js";
import { given } from "../present.js";

/** `caller`: a workflow a caller sent, run under the operator's caller policy with an empty environment. */
export type WorkflowOrigin = "operator" | "caller";

/** The workflow file a step comes from, as data: a node rebuilds the step's tools, agents and sub-workflows from it. */
export interface WorkflowFileRef {
  /** The file as the execution runs it (environment section and config_override applied), as JSON. */
  fileJson: string;
  /** sha256 of `fileJson`, hex: the receiver checks the JSON against it and rebuilds each file once per hash (every order still carries the whole file). */
  hash: string;
  /** The file's workflow the step belongs to (a sub-workflow's steps name the sub-workflow). */
  workflowName: string;
  origin: WorkflowOrigin;
  /** A caller's file: the name of its sandbox folder, which the node running the step uses (and makes) under its own root. */
  sandbox?: string;
  /** An operator's file inside the workflow folders: the receiver runs the step next to its own copy of exactly this file. */
  file?: WorkflowIdentity;
}

/**
 * Everything a node needs to run one step attempt, as data: no closures and no paths of the supervisor's machine, so
 * `JSON.parse(JSON.stringify(order))` runs the same step. Fields marked optional may be absent after JSON.
 */
export interface StepOrder {
  executionId: string;
  stepId: string;
  /** What the step's reports carry: its index in the plan, or the iteration's index for one item of a `for_each`. */
  slot: number;
  action: StepActionData;
  /** The step's input, its templates resolved. */
  input: unknown;
  /** The current element and its index, for one iteration of a `for_each`. */
  item?: unknown;
  index?: number | undefined;
  /** Number of the first attempt this order makes; restarts by the step's retry policy make the next ones. */
  attempt: number;
  /** Milliseconds one attempt may take. */
  timeoutMs?: number | undefined;
  /** Epoch milliseconds by which the whole execution times out. */
  deadlineMs?: number | undefined;
  /** Where the step should run (its `placement:`); absent: wherever the step host puts it. */
  placement?: Placement | undefined;
  /** 0-9 (9 first): its execution's priority, for the order steps wait in under a cluster limit per tag; absent: 5. */
  priority?: number | undefined;
  /** Which sending of this attempt to a node it is (a placed step's): its reports carry it back. */
  dispatch?: string | undefined;
  /** The W3C traceparent of the execution's span: the attempt's span, on whatever node, is its child. */
  traceparent?: string | undefined;
  /** Its W3C tracestate, passed on unchanged. */
  tracestate?: string | undefined;
  workflow: WorkflowFileRef;
}

interface FileData {
  json: string;
  /** Made with the first step order's reference to the file (the resume spec needs only the JSON). */
  hash?: string;
}

const fileData = new WeakMap<WorkflowFile, FileData>();
const refs = new WeakMap<ExecutionPlan, Partial<Record<WorkflowOrigin, WorkflowFileRef>>>();

export function hashOf(fileJson: string): string {
  return createHash("sha256").update(fileJson).digest("hex");
}

function dataOf(file: WorkflowFile): FileData {
  let data = fileData.get(file);
  if (data === undefined) fileData.set(file, (data = { json: JSON.stringify(file) }));
  return data;
}

/** A file's JSON, made once per file object: every execution and step order of a workflow shares it. */
export function fileJsonOf(file: WorkflowFile): string {
  return dataOf(file).json;
}

/** The file reference of every order of `plan`'s steps, made once per plan and origin (`folders`: the node's workflow folders). */
export function workflowRefOf(plan: ExecutionPlan, origin: WorkflowOrigin, folders: readonly string[] = []): WorkflowFileRef {
  let byOrigin = refs.get(plan);
  if (byOrigin === undefined) refs.set(plan, (byOrigin = {}));
  let ref = byOrigin[origin];
  if (ref === undefined) {
    const data = dataOf(plan.file);
    data.hash ??= hashOf(data.json);
    const file = origin === "operator" ? workflowIdentityOf(plan.filePath, folders) : undefined;
    byOrigin[origin] = ref = { fileJson: data.json, hash: data.hash, workflowName: plan.workflowName, origin, ...(origin === "caller" ? { sandbox: basename(plan.baseDir) } : {}), ...given({ file }) };
  }
  return ref;
}
