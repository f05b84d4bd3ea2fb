import { recordJson, type ExecutionRecord } from "../engine/internal.js";

/** What stands in a record for a value too large for it: the value itself is in the execution's events. */
function tooLargeMarker(what: string, bytes: number): string {
  return `[not stored in the record: ${what} is ${bytes} bytes as JSON, more than a cluster store record may hold; read it from the execution's events (watch_execution)]`;
}

/**
 * A copy of the record that fits `maxBytes` as JSON: when the whole does not (many large step outputs together), the largest of its
 * step outputs, then its result, then its input are replaced by markers, largest first, until it fits. Each value is
 * whole in the event that carried it; a put that could never succeed is never sent.
 */
export function recordThatFits(json: string, maxBytes: number): { json: string; record: ExecutionRecord } {
  const copy = JSON.parse(json) as ExecutionRecord;
  // Byte length is at most three times the string's: most records are measured by their length alone.
  let bytes = json.length * 3 <= maxBytes ? 0 : Buffer.byteLength(json);
  if (bytes <= maxBytes) return { json, record: copy };
  const parts: { what: string; bytes: number; drop: () => void }[] = [];
  const add = <K extends string>(holder: Partial<Record<K, unknown>>, key: K, what: string) => {
    if (holder[key] === undefined) return;
    const size = Buffer.byteLength(JSON.stringify(holder[key]));
    parts.push({ what, bytes: size, drop: () => void (holder[key] = tooLargeMarker(what, size) as never) });
  };
  for (const step of copy.steps) add(step, "output", `the output of step '${step.id}'`);
  add(copy, "result", "the result");
  add(copy, "input", "input_data");
  for (const part of parts.sort((a, b) => b.bytes - a.bytes)) {
    part.drop();
    const smaller = recordJson(copy);
    bytes = Buffer.byteLength(smaller);
    if (bytes <= maxBytes) return { json: smaller, record: copy };
  }
  return { json: recordJson(copy), record: copy };
}
