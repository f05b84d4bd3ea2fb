import type { ServerResponse } from "node:http";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import type { ExecutionUpdates } from "./execution-updates.js";
import { given } from "../../present.js";

interface ListenRequest {
  id: string | number;
  uris: string[];
}

/** A 2026-07-28 `subscriptions/listen` that names resources, or undefined for any other message. */
function listenRequest(parsed: unknown): ListenRequest | undefined {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const message = parsed as { method?: unknown; id?: unknown; params?: { notifications?: { resourceSubscriptions?: unknown } } };
  if (message.method !== "subscriptions/listen" || (typeof message.id !== "string" && typeof message.id !== "number")) return undefined;
  const uris = message.params?.notifications?.resourceSubscriptions;
  if (!Array.isArray(uris) || uris.length === 0) return undefined;
  return { id: message.id, uris: uris.filter((u): u is string => typeof u === "string") };
}

function answerError(res: ServerResponse, id: string | number, error: unknown): void {
  const e = error instanceof ProtocolError ? error : new ProtocolError(ProtocolErrorCode.InternalError, String(error));
  const body = JSON.stringify({ jsonrpc: "2.0", id, error: { code: e.code, message: e.message, ...given({ data: e.data }) } });
  // In band, as the SDK answers a listen it refuses before the acknowledgement.
  res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * The SDK's listen router delivers `notifications/resources/updated` for the URIs a stream names, but only for what is
 * published on its bus, and without asking whether the caller may see them. So before the stream opens, each URI is
 * checked as the caller and followed (publishing to the bus) for as long as the stream stays open. Returns false when
 * it refused the request (and answered it).
 */
export async function holdListenedResources(parsed: unknown, res: ServerResponse, principal: Principal, updates: ExecutionUpdates): Promise<boolean> {
  const listen = listenRequest(parsed);
  if (listen === undefined) return true;
  const releases: (() => void)[] = [];
  const releaseAll = () => releases.splice(0).forEach((release) => release());
  try {
    for (const uri of new Set(listen.uris)) releases.push(await updates.hold(uri, principal));
  } catch (error) {
    releaseAll();
    answerError(res, listen.id, error);
    return false;
  }
  res.once("close", releaseAll);
  return true;
}
