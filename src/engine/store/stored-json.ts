import type { ExecutionEvent, ExecutionRecord } from "../types.js";

/**
 * The JSON every store writes for a record or an event: what `JSON.stringify` gives (it throws where that throws),
 * except that the two large parts repeated across executions are serialised once, not once per execution: the
 * workflow file a record's resume spec carries (a string whose quotes all need escaping) and the step graph of an
 * `execution.started` event (one frozen array per plan). The spliced-in part moves to the end of its object.
 */

/** A workflow file's JSON text, keyed by that text (one string per file, so lookups hit its cached hash). */
const quotedFiles = new Map<string, string>();
const MAX_QUOTED_FILES = 256;
/** A plan's frozen step graph and its JSON. */
const graphs = new WeakMap<object, string>();

function quotedFile(fileJson: string): string {
  let quoted = quotedFiles.get(fileJson);
  if (quoted === undefined) {
    if (quotedFiles.size >= MAX_QUOTED_FILES) quotedFiles.clear();
    quotedFiles.set(fileJson, (quoted = JSON.stringify(fileJson)));
  }
  return quoted;
}

/** `{...}` with `,"key":valueJson` added before its closing brace. */
function withMember(objectJson: string, key: string, valueJson: string): string {
  return `${objectJson.slice(0, -1)}${objectJson.length > 2 ? "," : ""}"${key}":${valueJson}}`;
}

export function recordJson(record: ExecutionRecord): string {
  const resume = record.resume;
  if (resume === undefined || typeof resume.file_json !== "string") return JSON.stringify(record);
  const { file_json, ...spec } = resume;
  const resumeJson = withMember(JSON.stringify(spec), "file_json", quotedFile(file_json));
  // Left out for the one synchronous stringify instead of copying every other field of the record (undefined is skipped).
  record.resume = undefined;
  try {
    return withMember(JSON.stringify(record), "resume", resumeJson);
  } finally {
    record.resume = resume;
  }
}

export function eventJson(event: ExecutionEvent): string {
  const data = event.data as { graph?: unknown } | undefined;
  const graph = data?.graph;
  if (event.type !== "execution.started" || typeof graph !== "object" || graph === null || !Object.isFrozen(graph)) return JSON.stringify(event);
  let graphJson = graphs.get(graph);
  if (graphJson === undefined) graphs.set(graph, (graphJson = JSON.stringify(graph)));
  const rest: Record<string, unknown> = {};
  for (const key in data) if (key !== "graph") rest[key] = (data as Record<string, unknown>)[key];
  return withMember(JSON.stringify({ ...event, data: undefined }), "data", withMember(JSON.stringify(rest), "graph", graphJson));
}
