import type { Readable } from "node:stream";
import type { McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import type { Operations } from "../operations/index.js";
import { ExecutionUpdates } from "./execution-updates.js";

/** The resources a 2026-07-28 `subscriptions/listen` line names, and its id; undefined for any other line. */
function listenOf(message: { method?: unknown; id?: unknown; params?: { notifications?: { resourceSubscriptions?: unknown } } }): { id: string | number; uris: string[] } | undefined {
  if (message.method !== "subscriptions/listen" || (typeof message.id !== "string" && typeof message.id !== "number")) return undefined;
  const uris = message.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? { id: message.id, uris: uris.filter((u): u is string => typeof u === "string") } : undefined;
}

/**
 * 2026-07-28 subscriptions over stdio. The SDK's stdio entry answers `subscriptions/listen` itself and routes the
 * pinned server's `notifications/resources/updated` onto the open subscriptions, but never tells the server which
 * URIs they name; so the lines coming in are read here as well, and each execution a subscription names is followed
 * (as the caller, the local user) until the subscription is cancelled or the connection ends.
 */
export class StdioSubscriptions {
  readonly #updates: ExecutionUpdates;
  readonly #principal: Principal;
  readonly #onError: (error: Error) => void;
  readonly #held = new Map<string | number, (() => void)[]>();
  #server: McpServer | undefined;
  #buffered = "";

  constructor(operations: Operations, principal: Principal, onError: (error: Error) => void) {
    this.#principal = principal;
    this.#onError = onError;
    this.#updates = new ExecutionUpdates(operations, "mcp-stdio", (uri) => void this.#server?.server.sendResourceUpdated({ uri }).catch(onError));
  }

  /** The 2026-07-28 instance the connection is pinned to: the one whose updates the SDK routes to subscriptions. */
  pinned(server: McpServer): void {
    this.#server = server;
  }

  /** Reads the connection's incoming lines alongside the SDK (both listen on `stdin`). */
  watch(stdin: Readable): void {
    stdin.on("data", (chunk: Buffer | string) => {
      this.#buffered += chunk.toString();
      let newline: number;
      while ((newline = this.#buffered.indexOf("\n")) >= 0) {
        const line = this.#buffered.slice(0, newline);
        this.#buffered = this.#buffered.slice(newline + 1);
        void this.#onLine(line);
      }
    });
  }

  async #onLine(line: string): Promise<void> {
    let message: { method?: unknown; id?: unknown; params?: { requestId?: unknown; notifications?: { resourceSubscriptions?: unknown } } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (message.method === "notifications/cancelled") return this.#release(message.params?.requestId as string | number);
    const listen = listenOf(message);
    if (listen === undefined) return;
    const releases: (() => void)[] = [];
    this.#held.set(listen.id, releases);
    for (const uri of new Set(listen.uris)) {
      // The SDK has acknowledged the subscription already: a URI nobody may follow is reported, not refused.
      await this.#updates.hold(uri, this.#principal).then((release) => releases.push(release), (error: Error) => this.#onError(error));
    }
    if (this.#held.get(listen.id) !== releases) releases.forEach((release) => release());
  }

  #release(id: string | number | undefined): void {
    if (id === undefined) return;
    this.#held.get(id)?.forEach((release) => release());
    this.#held.delete(id);
  }

  close(): void {
    for (const id of [...this.#held.keys()]) this.#release(id);
    this.#updates.close();
  }
}
