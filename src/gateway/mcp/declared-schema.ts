import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";

/**
 * A schema the MCP SDK advertises as given (JSON Schema computed once, not per request) and lets through unchanged:
 * the operations layer validates arguments itself, so a bad call gets our field-by-field feedback instead of the
 * SDK's one-line message.
 */
export function declaredSchema(jsonSchema: Record<string, unknown>): StandardSchemaWithJSON {
  return {
    "~standard": {
      version: 1,
      vendor: "wfx",
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => jsonSchema, output: () => jsonSchema },
    },
  };
}
