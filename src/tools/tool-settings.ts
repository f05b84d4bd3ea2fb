import type { z } from "zod";
import { describeIssues } from "../errors.js";
import { ToolError } from "./errors.js";

/** A tool definition's `settings` checked against its type's schema, or WFX_TOOL_BAD_SETTINGS naming every issue. */
export function parseToolSettings<S extends z.ZodType>(schema: S, definition: { id: string; settings?: Record<string, unknown> }, type: string, hint: string): z.output<S> {
  const parsed = schema.safeParse(definition.settings ?? {});
  if (parsed.success) return parsed.data;
  throw new ToolError("WFX_TOOL_BAD_SETTINGS", `tool '${definition.id}' (${type}) has invalid settings: ${describeIssues(parsed.error.issues, "settings")}`, { hint });
}
