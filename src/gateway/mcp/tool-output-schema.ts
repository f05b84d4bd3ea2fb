import { z } from "zod";
import { ErrorOutput } from "../operations/index.js";
import { given } from "../../present.js";

const JSON_SCHEMA_OPTIONS = { target: "draft-2020-12", io: "output", unrepresentable: "any" } as const;

/** The error branch, without its own `$schema` (it sits inside the tool's schema). */
const { $schema: _unused, ...ERROR_BRANCH } = z.toJSONSchema(ErrorOutput, JSON_SCHEMA_OPTIONS) as Record<string, unknown>;

/**
 * A tool's outputSchema: its answer, or the error body a tool error carries as structuredContent. The v1 SDK client
 * validates structuredContent against the outputSchema even when isError is set (v2 skips it), so an error body the
 * schema did not admit made v1 hosts throw -32602 instead of showing the error.
 */
export function toolOutputSchema(answer: Record<string, unknown>): Record<string, unknown> {
  const { $schema, ...answerBranch } = answer;
  return { ...given({ $schema }), type: "object", anyOf: [answerBranch, ERROR_BRANCH] };
}
