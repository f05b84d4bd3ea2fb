export { mcpHttpEndpoint, type McpHttpEndpoint } from "./mcp-http.js";
export { serveMcpStdio } from "./mcp-stdio.js";
export { authInfoFor, mcpServerFactory, principalOf, type McpServerInfo } from "./mcp-tools.js";
