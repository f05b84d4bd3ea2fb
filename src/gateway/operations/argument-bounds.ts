import type { z } from "zod";
import type { LimitsOptions } from "../../engine/internal.js";
import type { ArgumentProblem } from "../errors.js";
import { invalidArguments, type ArgumentSpec } from "./arguments.js";
import { checkJsonBounds, type JsonBoundsExceeded } from "./json-bounds.js";

/** The one field whose size is capped on its own: the rest of a request is bounded by the body or message cap. */
const INPUT_FIELD = "input_data";

function problemOf(exceeded: JsonBoundsExceeded, field: string, limits: Readonly<LimitsOptions>): ArgumentProblem {
  if (exceeded.kind === "size") {
    return { field, message: `is more than ${limits.maxInputBytes} bytes of JSON`, expected: `at most ${limits.maxInputBytes} bytes of JSON (the node's maxInputBytes); pass large data by reference (a file path or URL) instead` };
  }
  return {
    field,
    message: `nests more than ${limits.maxJsonDepth} levels deep (at ${exceeded.path})`,
    expected: `JSON nested at most ${limits.maxJsonDepth} levels deep (the node's maxJsonDepth); flatten it, or send a deep structure as a string`,
  };
}

/**
 * Refuses, before any schema check or execution, arguments nested deeper than the node allows (anywhere: every
 * later walk over them may recurse) and an input_data larger than it allows; each problem names its field.
 */
export function checkArgumentBounds(spec: ArgumentSpec<z.ZodType>, raw: unknown, limits: Readonly<LimitsOptions>): void {
  const problems: ArgumentProblem[] = [];
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const exceeded = checkJsonBounds(raw, limits.maxJsonDepth, Number.POSITIVE_INFINITY, "(arguments)");
    if (exceeded) problems.push(problemOf(exceeded, "(arguments)", limits));
  } else {
    for (const [field, value] of Object.entries(raw)) {
      const exceeded = checkJsonBounds(value, limits.maxJsonDepth, field === INPUT_FIELD ? limits.maxInputBytes : Number.POSITIVE_INFINITY, field);
      if (exceeded) problems.push(problemOf(exceeded, field, limits));
    }
  }
  if (problems.length > 0) throw invalidArguments(spec, problems);
}
