import type { GetPromptResult, McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import type { Operations } from "../operations/index.js";
import { ASSISTANT_PROMPTS } from "./assistant-prompts.js";
import { NodeFacts } from "./node-facts.js";

/** The source document's six assistants as MCP prompts, each one user message drawn from the node as the caller sees it. */
export function registerAssistantPrompts(server: McpServer, operations: Operations, principal: Principal, gateway: string): void {
  for (const prompt of ASSISTANT_PROMPTS) {
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: prompt.args }, async (args: Record<string, string | undefined>): Promise<GetPromptResult> => {
      const text = await prompt.text(args, new NodeFacts(operations, principal, gateway));
      return { description: prompt.description, messages: [{ role: "user", content: { type: "text", text } }] };
    });
  }
}
