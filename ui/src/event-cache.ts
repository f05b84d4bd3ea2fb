import type { ExecutionEvent } from "./execution-state";

// Events seen in this tab, per execution: a reload resumes the stream after the last one instead of from the start.
const PREFIX = "wfx.events.";
const MAX_CACHED = 5000;

export function cachedEvents(executionId: string): ExecutionEvent[] {
  try {
    const events = JSON.parse(sessionStorage.getItem(PREFIX + executionId) ?? "[]") as ExecutionEvent[];
    // Only an unbroken run from seq 1 is trusted; anything else is read again from the node.
    return events.every((e, i) => e.seq === i + 1) ? events : [];
  } catch {
    return [];
  }
}

export function cacheEvents(executionId: string, events: ExecutionEvent[]): void {
  if (events.length > MAX_CACHED) return;
  try {
    sessionStorage.setItem(PREFIX + executionId, JSON.stringify(events));
  } catch {
    // A full sessionStorage only costs a longer replay after a reload.
  }
}
