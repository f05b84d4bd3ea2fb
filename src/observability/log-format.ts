/** `json`: one pino object per line (for log collectors); `pretty`: one short line per entry, for a person at a terminal. */
export type LogFormat = "json" | "pretty";

export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

const LEVELS: Readonly<Record<number, string>> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** pino's own fields, and those a line already shows in its own place. */
const SHOWN = new Set(["level", "time", "pid", "hostname", "name", "msg", "audit", "v"]);
const REQUEST_FIELDS = new Set(["gateway", "principal", "method", "outcome", "duration_ms", "execution_id", "workflow_name", "status", "code", "remote"]);

function clock(time: unknown): string {
  const date = typeof time === "number" ? new Date(time) : new Date();
  return date.toISOString().slice(11, 19);
}

function value(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  if (typeof v === "object" && v !== null && "message" in v) return JSON.stringify((v as { message: unknown }).message);
  return JSON.stringify(v);
}

/** `12:00:01 mcp  admin  execute_workflow  ok 12.3ms  one_step 9f1c… completed` */
function requestLine(entry: Record<string, unknown>): string {
  const parts = [clock(entry["time"]), String(entry["gateway"] ?? "?"), String(entry["principal"] ?? "?"), String(entry["method"] ?? "?"), String(entry["outcome"] ?? "?")];
  if (typeof entry["duration_ms"] === "number") parts.push(`${entry["duration_ms"]}ms`);
  for (const key of ["workflow_name", "execution_id", "status", "code", "remote"]) if (entry[key] !== undefined) parts.push(String(entry[key]));
  const extra = Object.entries(entry).filter(([k]) => !SHOWN.has(k) && !REQUEST_FIELDS.has(k)).map(([k, v]) => `${k}=${value(v)}`);
  return [...parts, ...extra].join("  ");
}

/** One pino JSON line as a person reads it; a line that is not JSON passes through unchanged. */
export function prettyLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry["audit"] === true) return requestLine(entry);
  const level = LEVELS[Number(entry["level"])] ?? String(entry["level"]);
  const fields = Object.entries(entry).filter(([k]) => !SHOWN.has(k)).map(([k, v]) => `${k}=${value(v)}`);
  return [clock(entry["time"]), level.padEnd(5), String(entry["msg"] ?? ""), ...fields].filter((p) => p !== "").join("  ");
}

/** A pino destination that writes each entry to `target` as one pretty line. */
export function prettyDestination(target: { write(text: string): unknown }): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line.trim() !== "") target.write(`${prettyLogLine(line)}\n`);
    },
  };
}
