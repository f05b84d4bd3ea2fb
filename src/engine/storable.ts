import type { ExecutionEvent, ExecutionRecord } from "./types.js";

/** A part of a record or event that could not be serialised, and why. */
export interface NotStored {
  what: string;
  reason: string;
}

/** One line a person can act on; V8's own words for a too-deep value say nothing about depth. */
export function describeFailure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
  return /Maximum call stack size exceeded/.test(message) ? `nested too deeply (${message})` : message;
}

/** Why `value` cannot be serialised as JSON, or undefined when it can. */
function serialisationFailure(value: unknown): string | undefined {
  try {
    JSON.stringify(value);
    return undefined;
  } catch (error) {
    return describeFailure(error);
  }
}

/** What is stored in place of a value that cannot be: a short string saying what it was and why it is missing. */
export function notStoredMarker(part: NotStored): string {
  return `[not stored: ${part.what} cannot be serialised as JSON: ${part.reason}]`;
}

/**
 * Replaces, in place, every part of the record that cannot be serialised (input, result, step outputs, errors) with
 * a marker, so the record of an execution that failed because of it can still be stored and read back.
 */
export function makeRecordStorable(record: ExecutionRecord): NotStored[] {
  const replaced: NotStored[] = [];
  const check = <K extends string>(holder: Partial<Record<K, unknown>>, key: K, what: string) => {
    if (!(key in holder)) return;
    const reason = serialisationFailure(holder[key]);
    if (reason === undefined) return;
    const part = { what, reason };
    holder[key] = notStoredMarker(part) as never;
    replaced.push(part);
  };
  check(record, "input", "input_data");
  check(record, "result", "the result");
  check(record, "error", "the error");
  for (const step of record.steps) {
    check(step, "output", `the output of step '${step.id}'`);
    check(step, "error", `the error of step '${step.id}'`);
  }
  return replaced;
}

/** The event with its data, or the values in it that cannot be serialised, replaced by markers. */
export function storableEvent(event: ExecutionEvent): { event: ExecutionEvent; replaced: NotStored[] } {
  const whole = serialisationFailure(event.data);
  if (whole === undefined) return { event, replaced: [] };
  const of = event.step === undefined ? "" : ` of step '${event.step}'`;
  const data = typeof event.data === "object" && event.data !== null && !Array.isArray(event.data) ? { ...(event.data as Record<string, unknown>) } : undefined;
  if (data === undefined) {
    const part = { what: `the ${event.type} data${of}`, reason: whole };
    return { event: { ...event, data: notStoredMarker(part) }, replaced: [part] };
  }
  const replaced: NotStored[] = [];
  for (const [key, value] of Object.entries(data)) {
    const reason = serialisationFailure(value);
    if (reason === undefined) continue;
    const part = { what: key === "output" ? `the output${of}` : `${key}${of}`, reason };
    data[key] = notStoredMarker(part);
    replaced.push(part);
  }
  return { event: { ...event, data }, replaced };
}
