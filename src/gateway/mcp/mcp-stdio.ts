import type { Readable, Writable } from "node:stream";
import { serveStdio, StdioServerTransport, type StdioServerHandle } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "../../observability/index.js";
import { LOCAL_PRINCIPAL } from "../auth/index.js";
import type { Operations } from "../operations/index.js";
import { mcpServerFactory, type McpServerInfo } from "./mcp-tools.js";

/**
 * MCP over stdio for desktop clients: the process that spawned us is the local user, so calls run with every scope.
 * Either protocol era may open the connection; it stays pinned to the one it opened with.
 */
export function serveMcpStdio(operations: Operations, info: McpServerInfo, options: { logger: Logger; stdin?: Readable; stdout?: Writable }): StdioServerHandle {
  const transport = new StdioServerTransport(options.stdin ?? process.stdin, options.stdout ?? process.stdout);
  return serveStdio(mcpServerFactory(operations, info, "mcp-stdio", LOCAL_PRINCIPAL), {
    transport,
    onerror: (error) => options.logger.warn({ err: error }, "mcp stdio error"),
  });
}
