import { GatewayError } from "../errors.js";

const NUMERIC = new Set(["since", "until", "limit", "offset"]);
const KNOWN = new Set(["status", "workflow_name", "node", ...NUMERIC]);

/** `GET /executions?status=running&limit=20` as list_executions arguments: numbers as numbers, empty values left out. */
export function listQueryArgs(params: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if (!KNOWN.has(key)) throw new GatewayError("WFX_INVALID_ARGUMENTS", `unknown query parameter '${key}' for GET /executions`, { hint: `use ${[...KNOWN].join(", ")}` });
    if (value === "") continue;
    // A number that does not parse stays text, so list_executions names the field and what it expects.
    args[key] = NUMERIC.has(key) && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return args;
}
