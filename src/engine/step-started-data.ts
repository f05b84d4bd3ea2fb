/** Inputs up to this size as JSON ride on step.started; a larger one is named by its size (the record and the step keep it whole). */
const SHOWN_INPUT_BYTES = 64 * 1024;

/** What a step.started event says: where the step runs, and its input (small ones whole, so watchers can show them). */
export interface StepStartedData {
  node: string;
  input?: unknown;
  /** A large input is named by its size only (the step itself gets it whole). */
  input_bytes?: number;
  /** A fan-out step: how many items it runs over. */
  for_each?: number;
}

export function stepStartedData(node: string, input: unknown, forEach: boolean): StepStartedData {
  const data: StepStartedData = { node };
  if (input !== undefined) {
    // Numbers, booleans and short strings go as they are; anything else is measured first.
    const plain = input === null || (typeof input !== "object" && (typeof input !== "string" || input.length <= SHOWN_INPUT_BYTES / 6));
    const bytes = plain ? 0 : Buffer.byteLength(JSON.stringify(input) ?? "");
    if (bytes <= SHOWN_INPUT_BYTES) data.input = input;
    else data.input_bytes = bytes;
  }
  if (forEach && Array.isArray(input)) data.for_each = input.length;
  return data;
}
