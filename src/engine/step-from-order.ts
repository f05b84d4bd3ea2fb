import { basename, dirname, join } from "node:path";
import type { WorkflowFile } from "../config/index.js";
import { EngineError } from "./errors.js";
import { resolveAction } from "./plan.js";
import { planFor, servicesFor, type ServiceDeps } from "./services.js";
import { fromStep, type StepLogic, type StepOutcome } from "./step-actor.js";
import { hashOf, type StepOrder, type WorkflowOrigin } from "./step-order.js";
import { locateWorkflow } from "./workflow-identity.js";

/** What a node lends the steps it runs for orders that came as data (from another node's supervisor). */
export interface OrderNode {
  nodeId: string;
  /** Where an operator's file an order names is looked for. */
  workflowFolders: readonly string[];
  /** The node's deps for a workflow of `origin`: a caller's runs under the caller policy with an empty environment. */
  depsFor(origin: WorkflowOrigin): ServiceDeps;
  /** Checks a file before the node runs its first step (a caller's file against the node's caller policy); throws to refuse. */
  admit(file: WorkflowFile, origin: WorkflowOrigin, path: string): void;
}

/** The name an ordered file gets in the folder it is run from: only its folder matters (function modules, tool roots). */
const ORDERED_FILE = "ordered-workflow.json";
/** Files each node rebuilt from orders (it admitted each once), by hash, origin and folder; the least recently used goes first. */
const MAX_FILES = 64;
const filesOf = new WeakMap<OrderNode, Map<string, WorkflowFile>>();

function mismatch(order: StepOrder, what: string): EngineError {
  return new EngineError("WFX_STEP_ORDER_MISMATCH", `the order for step '${order.stepId}' of execution ${order.executionId} ${what}`, {
    hint: "the order was corrupted on its way, or sent by a node running a different version; the step was not run",
  });
}

function fileOf(order: StepOrder, baseDir: string, node: OrderNode): WorkflowFile {
  const { fileJson, hash, origin } = order.workflow;
  let files = filesOf.get(node);
  if (files === undefined) filesOf.set(node, (files = new Map()));
  const key = `${hash}\n${origin}\n${baseDir}`;
  let file = files.get(key);
  if (file !== undefined) {
    files.delete(key);
  } else {
    if (hashOf(fileJson) !== hash) throw mismatch(order, "carries a workflow file whose content does not match its hash");
    file = JSON.parse(fileJson) as WorkflowFile;
    node.admit(file, origin, join(baseDir, ORDERED_FILE));
    if (files.size >= MAX_FILES) files.delete(files.keys().next().value!);
  }
  files.set(key, file);
  return file;
}

/**
 * Rebuilds one step attempt from its order alone, as this node runs it: the order's workflow file (checked against its
 * hash, and admitted by the node once) counts as being next to this node's copy of the operator's file it names (which
 * must hold the same bytes: WFX_WORKFLOW_MISMATCH otherwise), or in `fallbackDir` for a caller's or an unnamed file, and its tools and agents are built with the node's
 * deps for the order's origin. Throws WFX_STEP_ORDER_MISMATCH or the node's refusal when it cannot run the order.
 */
export interface OrderedStepOptions {
  /** The most its output may take as JSON to travel back (absent: no bound). */
  maxOutputBytes?: number | undefined;
  /** Told how each attempt ended, before its supervisor is. */
  onEnd?: ((outcome: StepOutcome) => void) | undefined;
}

export function stepFromOrder(order: StepOrder, fallbackDir: string, node: OrderNode, options: OrderedStepOptions = {}): StepLogic {
  // An operator's file is run next to this node's own copy of it, wherever in the folders it sits; others from `fallbackDir`.
  const located = order.workflow.origin === "operator" && order.workflow.file !== undefined ? locateWorkflow(order.workflow.file, node.workflowFolders, node.nodeId) : undefined;
  const baseDir = located === undefined ? fallbackDir : dirname(located);
  const file = fileOf(order, baseDir, node);
  const plan = planFor(file, order.workflow.workflowName, join(baseDir, located === undefined ? ORDERED_FILE : basename(located)));
  if (!plan.stepIndex.has(order.stepId)) throw mismatch(order, `names a step that workflow '${plan.workflowName}' does not have`);
  return fromStep({ order, action: resolveAction(order.action, plan.baseDir), services: servicesFor(plan, node.depsFor(order.workflow.origin)), maxOutputBytes: options.maxOutputBytes, onEnd: options.onEnd });
}
