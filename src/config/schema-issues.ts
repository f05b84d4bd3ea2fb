import type { z } from "zod";
import type { ConfigProblemCode } from "./problem-codes.js";
import type { Problem } from "./problems.js";
import { WorkflowFileSchema, type WorkflowFile } from "./schema.js";
import { closestMatch, listNames } from "./suggest.js";
import { formatYamlPath, locate, type LoadedSource, type YamlPath } from "./yaml-location.js";

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** How to write each field, offered when its value is missing or malformed. */
const FIELD_HINTS: Record<string, string> = {
  timeout: "timeouts are in seconds, e.g. timeout: 30",
  retry: "write retry: { max: 2, backoff_ms: 500 }",
  max: "retry.max counts retries after the first attempt, e.g. max: 2",
  backoff_ms: "backoff_ms is the first delay in milliseconds, e.g. backoff_ms: 500",
  max_backoff_ms: "max_backoff_ms caps the delay, in milliseconds",
  multiplier: "multiplier grows each delay, e.g. multiplier: 2 (at least 1)",
  jitter: "jitter is a fraction between 0 and 1, e.g. jitter: 0.2",
  depends_on: "list step ids: depends_on: [extract]",
  tools: "list tool ids: tools: [filesystem]",
  steps: "steps is a list, e.g. steps: [{ tool: filesystem, args: { op: read, path: notes.txt } }]",
  workflows: "workflows maps a name to { steps: [...] }",
  agents: "agents is a list, e.g. - id: summarizer",
  placement: "write placement: { tags: [gpu], prefer: [eu] }",
  tags: "list tags: tags: [gpu, eu]",
  prefer: "list tags, optionally weighted 1 to 100: prefer: [eu, { tag: gpu, weight: 80 }]",
  weight: "a weight is a whole number from 1 to 100",
  avoid: "list tags: avoid: [spot]",
  resources: "map resource names to amounts: resources: { gpu: 1, memory_gb: 16 }",
  target_instance: "name a node id or a pool (a tag its nodes carry): target_instance: gpu_workflow_executor",
  when: 'write when: "${check.output.ok} == true"',
  for_each: 'write for_each: "${list.output.items}" or a list',
  output: "write output: { to: user }",
  to: "write to: user, or the id of the step that receives the output",
  concurrency: "concurrency is a whole number of parallel iterations, at least 1",
  args: "args is a mapping, e.g. args: { op: read, path: notes.txt }",
  function: "write function: ./module.js#exportName",
  id: "ids use letters, digits, '_' and '-', e.g. extract_text",
  type: "a tool's type names its kind, e.g. type: filesystem",
  headers: 'write headers: { Authorization: "Bearer ${TOKEN}" }',
  settings: "settings is a mapping of tool settings, e.g. settings: { root: ./docs }",
  temperature: "temperature is a number between 0 and 2",
  max_tokens: "max_tokens is a whole number, at least 1",
  max_turns: "max_turns is a whole number, at least 1",
};

const CODE_HINTS: Partial<Record<ConfigProblemCode, string>> = {
  WFX_INVALID_ID: "rename it using letters, digits, '_' and '-', e.g. extract_text",
  WFX_STEP_KIND: "give the step exactly one of agent:, tool:, function: or workflow:",
};

function unwrap(schema: AnySchema): AnySchema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return unwrap(def["innerType"] as AnySchema);
    case "pipe": {
      const out = def["out"] as AnySchema;
      return unwrap(out._zod.def.type === "transform" ? (def["in"] as AnySchema) : out);
    }
    case "union":
      return (def["options"] as AnySchema[]).flatMap(unwrap);
    default:
      return [schema];
  }
}

function child(schema: AnySchema, segment: string | number): AnySchema | undefined {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === "object") return (def["shape"] as Record<string, AnySchema>)[String(segment)];
  if (def.type === "array" && typeof segment === "number") return def["element"] as AnySchema;
  if (def.type === "record") return def["valueType"] as AnySchema;
  return undefined;
}

/** The keys `root` allows for the object at `path`, found by walking the schema itself. */
function knownKeysAt(root: AnySchema, path: YamlPath): string[] {
  let nodes = unwrap(root);
  for (const segment of path) {
    nodes = nodes.flatMap((n) => {
      const next = child(n, segment);
      return next === undefined ? [] : unwrap(next);
    });
  }
  const keys = new Set<string>();
  for (const n of nodes) {
    const def = n._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
    if (def.type === "object" && def.shape !== undefined) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let v = data;
  for (const segment of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return v;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = { object: "a mapping", array: "a list", string: "text", number: "a number", int: "a whole number", boolean: "true or false", record: "a mapping" };

function lastKey(path: YamlPath): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i] as string;
  return "";
}

function problemAt(source: LoadedSource, code: ConfigProblemCode, path: YamlPath, message: string, hint: string, at?: "key"): Problem {
  return { code, message, path: formatYamlPath(path), hint, ...locate(source, path, at === undefined ? {} : { at }) };
}

function boundMessage(issue: Issue & { code: "too_small" | "too_big" }): string {
  const small = issue.code === "too_small";
  const bound = small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum;
  const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
  switch (issue.origin) {
    case "array":
      return small ? `needs at least ${bound} item${bound === 1 ? "" : "s"}` : `allows at most ${bound} items`;
    case "string":
      return small ? "must not be empty" : `must be at most ${bound} characters`;
    default:
      return `must be ${small ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<"} ${String(bound)}`;
  }
}

function issueProblems(issue: Issue, data: unknown, source: LoadedSource, root: AnySchema, hints: Readonly<Record<string, string>>): Problem[] {
  const path = issue.path as (string | number)[];
  const key = lastKey(path);
  // A key of no hint of its own (a resource name, a header) takes its mapping's: `resources.gpu` is a resources problem.
  const parent = path.length >= 2 && typeof path.at(-1) === "string" && typeof path.at(-2) === "string" ? (path.at(-2) as string) : "";
  const fieldHint = Object.hasOwn(hints, key) ? hints[key] : Object.hasOwn(hints, parent) ? hints[parent] : undefined;
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(root, path);
      return issue.keys.map((k) => {
        const match = closestMatch(k, known);
        const hint = match !== undefined ? `did you mean '${match}'?` : `allowed keys here: ${listNames(known, 20)}`;
        return problemAt(source, "WFX_UNKNOWN_KEY", [...path, k], `unknown key '${k}'${match !== undefined ? ` — did you mean '${match}'?` : ""}`, hint, "key");
      });
    }
    case "invalid_type": {
      const actual = valueAt(data, path);
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (actual === undefined) {
        return [{ ...problemAt(source, "WFX_MISSING_FIELD", path.slice(0, -1), "", fieldHint ?? `add ${key}:`), path: formatYamlPath(path), message: `missing required key '${key}'` }];
      }
      return [problemAt(source, "WFX_INVALID_TYPE", path, `expected ${expected}, got ${describeValue(actual)}`, fieldHint ?? `write ${expected} here`)];
    }
    case "invalid_union":
      return [problemAt(source, "WFX_INVALID_TYPE", path, `${issue.message}, got ${describeValue(valueAt(data, path))}`, fieldHint ?? "see the message")];
    case "too_small":
    case "too_big":
      return [problemAt(source, "WFX_INVALID_VALUE", path, `${key === "" ? "value" : key} ${boundMessage(issue)}`, fieldHint ?? "change the value")];
    case "invalid_value": {
      const options = issue.values.map(String);
      const actual = valueAt(data, path);
      const match = typeof actual === "string" ? closestMatch(actual, options) : undefined;
      return [problemAt(source, "WFX_INVALID_VALUE", path, `must be one of ${listNames(options)}`, match !== undefined ? `did you mean '${match}'?` : `use one of ${listNames(options)}`)];
    }
    case "custom": {
      const code = ((issue.params as { code?: ConfigProblemCode } | undefined)?.code ?? "WFX_INVALID_VALUE") as ConfigProblemCode;
      return [problemAt(source, code, path, issue.message, CODE_HINTS[code] ?? fieldHint ?? "change the value")];
    }
    default:
      return [problemAt(source, "WFX_INVALID_VALUE", path, issue.message, fieldHint ?? "change the value")];
  }
}

/** What `schema` makes of parsed data: the typed value, or every issue as a problem with its path, position and a hint (`hints` by field name). */
export function parseWithProblems<T>(schema: z.ZodType<T>, data: unknown, source: LoadedSource, hints: Readonly<Record<string, string>>): { problems: Problem[]; value?: T } {
  const result = schema.safeParse(data);
  if (result.success) return { problems: [], value: result.data };
  return { problems: result.error.issues.flatMap((issue) => issueProblems(issue, data, source, schema, hints)) };
}

/** What one schema check of parsed data found: its problems, or the typed file when there are none. */
export interface SchemaCheck {
  problems: Problem[];
  file?: WorkflowFile;
}

/** Schema problems for parsed data, each with its YAML path, position and a hint; the typed file when there are none. */
export function checkSchema(data: unknown, source: LoadedSource): SchemaCheck {
  if (data === null || data === undefined) {
    return { problems: [{ code: "WFX_EMPTY_FILE", message: "the file holds no workflow definitions", path: "", line: 1, column: 1, hint: "start with workflows:, e.g. workflows: { main: { steps: [...] } }" }] };
  }
  const { problems, value } = parseWithProblems(WorkflowFileSchema, data, source, FIELD_HINTS);
  return value === undefined ? { problems } : { problems, file: value };
}
