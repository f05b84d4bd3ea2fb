import { z } from "zod";
import { closestMatch } from "../../config/index.js";
import { InvalidArgumentsError, type ArgumentProblem } from "../errors.js";

type JsonSchema = Record<string, unknown>;

/** A method's input schema, its JSON Schema (computed once) and what a caller needs to know to fix a bad request. */
export interface ArgumentSpec<S extends z.ZodType> {
  method: string;
  schema: S;
  jsonSchema: JsonSchema;
  required: string[];
  optional: string[];
  example: Record<string, unknown>;
}

export function argumentSpec<S extends z.ZodType>(method: string, schema: S, example: Record<string, unknown>): ArgumentSpec<S> {
  const jsonSchema = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as JsonSchema;
  const properties = Object.keys((jsonSchema["properties"] as JsonSchema | undefined) ?? {});
  const required = (jsonSchema["required"] as string[] | undefined) ?? [];
  return Object.freeze({ method, schema, jsonSchema, required, optional: properties.filter((p) => !required.includes(p)), example });
}

/** "a string", "one of sync, async, isolated", "a number > 0 and <= 604800", … from a property's JSON Schema. */
export function expectedOf(schema: JsonSchema | undefined): string {
  if (schema === undefined || Object.keys(schema).filter((k) => k !== "description" && k !== "default").length === 0) return "any JSON value";
  if (Array.isArray(schema["enum"])) return `one of ${(schema["enum"] as unknown[]).map(String).join(", ")}`;
  const bounds: string[] = [];
  if (schema["exclusiveMinimum"] !== undefined) bounds.push(`> ${schema["exclusiveMinimum"]}`);
  if (schema["minimum"] !== undefined) bounds.push(`>= ${schema["minimum"]}`);
  if (schema["maximum"] !== undefined) bounds.push(`<= ${schema["maximum"]}`);
  if (schema["maxLength"] !== undefined) bounds.push(`at most ${schema["maxLength"]} characters`);
  if (schema["pattern"] !== undefined) bounds.push(`matching ${schema["pattern"]}`);
  const suffix = bounds.length > 0 ? ` ${bounds.join(" and ")}` : "";
  switch (schema["type"]) {
    case "string":
      return `a string${suffix}`;
    case "integer":
      return `an integer${suffix}`;
    case "number":
      return `a number${suffix}`;
    case "boolean":
      return "true or false";
    case "array":
      return `a list of ${expectedOf(schema["items"] as JsonSchema | undefined).replace(/^an? /, "")}s`.replace(/ss$/, "s");
    case "object":
      return "a JSON object";
    default:
      return "a valid value";
  }
}

function problemsOf(spec: ArgumentSpec<z.ZodType>, error: z.ZodError): ArgumentProblem[] {
  const properties = (spec.jsonSchema["properties"] as Record<string, JsonSchema> | undefined) ?? {};
  const fields = Object.keys(properties);
  const problems: ArgumentProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const match = issue.path.length === 0 ? closestMatch(key, fields) : undefined;
        problems.push({ field: [...issue.path, key].join("."), message: match === undefined ? "unknown field" : `unknown field; did you mean '${match}'?`, expected: `one of the fields ${fields.join(", ")}` });
      }
      continue;
    }
    const top = issue.path[0];
    const field = issue.path.length === 0 ? "(arguments)" : issue.path.map(String).join(".");
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    const expected = issue.path.length === 0 ? "a JSON object with the method's fields" : expectedOf(properties[String(top)]);
    problems.push({ field, message: missing ? "required field is missing" : issue.message, expected });
  }
  return problems;
}

/**
 * Where a request has a `__proto__` key: JSON.parse makes it an ordinary key, but copied into an object it sets that
 * object's prototype (and the schema would drop it without a word). Walked with a stack: requests may nest deeply.
 */
function prototypeKeys(raw: unknown): ArgumentProblem[] {
  const problems: ArgumentProblem[] = [];
  const todo: [unknown, string][] = [[raw, ""]];
  while (todo.length > 0 && problems.length < 10) {
    const [value, path] = todo.pop()!;
    if (value === null || typeof value !== "object") continue;
    for (const [key, item] of Object.entries(value)) {
      const field = path === "" ? key : `${path}.${key}`;
      if (key === "__proto__") problems.push({ field, message: "'__proto__' is not accepted as a key", expected: "any other key" });
      else todo.push([item, field]);
    }
  }
  return problems;
}

/** The error for a request to `spec`'s method with these problems, with what the method takes and an example. */
export function invalidArguments(spec: ArgumentSpec<z.ZodType>, problems: ArgumentProblem[]): InvalidArgumentsError {
  return new InvalidArgumentsError({ method: spec.method, problems, required_fields: spec.required, optional_fields: spec.optional, example: spec.example });
}

/** Validates raw arguments; a bad request becomes an InvalidArgumentsError naming every wrong field and what it expects. */
export function parseArguments<S extends z.ZodType>(spec: ArgumentSpec<S>, raw: unknown): z.output<S> {
  const refused = prototypeKeys(raw);
  const parsed = refused.length > 0 ? undefined : spec.schema.safeParse(raw ?? {});
  if (parsed?.success) return parsed.data;
  throw invalidArguments(spec as ArgumentSpec<z.ZodType>, parsed === undefined ? refused : problemsOf(spec as ArgumentSpec<z.ZodType>, parsed.error));
}
