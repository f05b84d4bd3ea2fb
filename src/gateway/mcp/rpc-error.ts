import type { ServerResponse } from "node:http";
import { given } from "../../present.js";

/** A JSON-RPC error answered before any MCP server saw the request (no request id is known yet); `data` may carry the WFX error body. */
export function rpcError(res: ServerResponse, status: number, code: number, message: string, data?: unknown): void {
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code, message, ...given({ data }) }, id: null });
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}
