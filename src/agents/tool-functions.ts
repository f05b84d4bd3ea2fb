import { z } from "zod";
import { toText } from "../config/index.js";
import type { Tool } from "../tools/index.js";
import type { ChatTool } from "./chat-model.js";

/** OpenAI function names allow `[A-Za-z0-9_-]{1,64}`; tool ids already fit, this guards the rest. */
export function functionNameOf(toolId: string): string {
  return toolId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "tool";
}

/** A tool as the model sees it: name, description and the JSON Schema of its zod input. */
export function toChatTool(tool: Tool): ChatTool {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { type: "function", function: { name: functionNameOf(tool.id), description: `${tool.description} (tool type ${tool.type})`, parameters } };
}

/** What goes back to the model for a tool result: text as is, anything else as JSON, cut to `maxChars`. */
export function resultText(value: unknown, maxChars: number): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? toText(value));
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… [cut: ${text.length - maxChars} more characters]`;
}
