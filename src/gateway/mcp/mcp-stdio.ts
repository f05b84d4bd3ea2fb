import type { Readable, Writable } from "node:stream";
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio, StdioServerTransport, type StdioServerHandle } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "../../observability/index.js";
import { LOCAL_PRINCIPAL } from "../auth/index.js";
import type { Operations } from "../operations/index.js";
import { mcpServerFactory, type McpServerInfo } from "./mcp-tools.js";
import { StdioSubscriptions } from "./stdio-subscriptions.js";

/**
 * MCP over stdio for desktop clients: the process that spawned us is the local user, so calls run with every scope.
 * Either protocol era may open the connection; it stays pinned to the one it opened with.
 */
export function serveMcpStdio(operations: Operations, info: McpServerInfo, options: { logger: Logger; stdin?: Readable; stdout?: Writable }): StdioServerHandle {
  const stdin = options.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  const onerror = (error: Error) => options.logger.warn({ err: error }, "mcp stdio error");
  const subscriptions = new StdioSubscriptions(operations, LOCAL_PRINCIPAL, onerror);
  subscriptions.watch(stdin);
  const factory = mcpServerFactory(operations, info, "mcp-stdio", LOCAL_PRINCIPAL);
  const handle = serveStdio(async (ctx) => {
    const server = await factory(ctx);
    if (ctx.era === "modern" && server instanceof McpServer) subscriptions.pinned(server);
    return server;
  }, { transport, onerror });
  return {
    async close() {
      subscriptions.close();
      await handle.close();
    },
  };
}
