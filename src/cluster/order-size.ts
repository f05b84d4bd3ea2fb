import { EngineError, type StepOrder } from "../engine/internal.js";

/** JSON sizes of the workflow files orders carried lately, by hash: an execution's steps all carry the same one. */
const fileJsonBytes = new Map<string, number>();
const SIZED_FILES = 64;

/** The order's size as JSON, the workflow file's escaped text measured once per file. */
function orderBytes(order: StepOrder): number {
  const { fileJson, hash } = order.workflow;
  let file = fileJsonBytes.get(hash);
  if (file === undefined) {
    if (fileJsonBytes.size >= SIZED_FILES) fileJsonBytes.clear();
    fileJsonBytes.set(hash, (file = Buffer.byteLength(JSON.stringify(fileJson))));
  }
  // `"fileJson":""` stands in the rest for the file, whose quotes `file` already counts.
  return Buffer.byteLength(JSON.stringify({ ...order, workflow: { ...order.workflow, fileJson: "" } })) - 2 + file;
}

/** The error for an order too large to send to another node (its input, mostly); undefined when it fits. */
export function oversizeOrder(order: StepOrder, maxBytes: number): EngineError | undefined {
  const bytes = orderBytes(order);
  if (bytes <= maxBytes) return undefined;
  return new EngineError("WFX_STEP_PAYLOAD_TOO_LARGE", `the order for step '${order.stepId}' (its input and workflow file) is ${bytes} bytes as JSON, over the ${maxBytes} bytes that may cross to another node`, {
    hint: "pass a smaller input (a file path or a key, not the data itself), or raise the NATS server's max_payload",
  });
}
