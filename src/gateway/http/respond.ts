import type { ServerResponse } from "node:http";
import { errorBody, errorStatus, type ServerPaths } from "../operations/index.js";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Maps a WFX error to its HTTP status; 401 carries a Bearer challenge, 429/503 a Retry-After, 413 closes the connection. */
export function sendError(res: ServerResponse, error: unknown, paths: ServerPaths): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { http } = errorStatus(error);
  const headers: Record<string, string> = {};
  if (http === 401) headers["www-authenticate"] = 'Bearer realm="wfx"';
  if (http === 429 || http === 503) headers["retry-after"] = "1";
  // The rest of a body too large to read is not waited for: the connection ends with the answer.
  if (http === 413) headers["connection"] = "close";
  sendJson(res, http, errorBody(error, paths), headers);
}
