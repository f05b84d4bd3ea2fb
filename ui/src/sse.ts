import { authHeaders } from "./api";

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Splits an SSE byte stream into messages (comments and heartbeats dropped). */
async function* messagesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message: SseMessage = { id: undefined, event: "message", data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") message.id = text;
        else if (field === "event") message.event = text;
        else if (field === "data") data.push(text);
      }
      if (data.length > 0) yield { ...message, data: data.join("\n") };
    }
  }
}

export interface StreamOptions {
  /** The path without after_seq; the stream resumes after the last id it saw. */
  path: string;
  afterSeq: number;
  onMessage: (message: SseMessage) => void;
  /** The server said the stream is over (an `end` event): no reconnect. */
  isEnd: (message: SseMessage) => boolean;
  onState?: (state: "open" | "reconnecting" | "closed", error?: unknown) => void;
  signal: AbortSignal;
}

const RETRY_MS = [250, 500, 1000, 2000, 5000];

/**
 * Reads an SSE stream with fetch (EventSource cannot send the Authorization header) and, when the connection drops,
 * reconnects with `after_seq` set to the last event id seen, so no event is missed or repeated.
 */
export async function followStream(options: StreamOptions): Promise<void> {
  let after = options.afterSeq;
  let failures = 0;
  while (!options.signal.aborted) {
    try {
      const separator = options.path.includes("?") ? "&" : "?";
      const res = await fetch(`${options.path}${separator}after_seq=${after}`, { headers: { ...authHeaders(), accept: "text/event-stream" }, signal: options.signal });
      if (!res.ok || res.body === null) throw new Error(`${res.status} ${await res.text()}`);
      options.onState?.("open");
      failures = 0;
      for await (const message of messagesOf(res.body)) {
        if (message.id !== undefined && Number(message.id) > after) after = Number(message.id);
        options.onMessage(message);
        if (options.isEnd(message)) {
          options.onState?.("closed");
          return;
        }
      }
    } catch (error) {
      if (options.signal.aborted) return;
      options.onState?.("reconnecting", error);
    }
    const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]!;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
