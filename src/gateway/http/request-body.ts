import type { IncomingMessage } from "node:http";
import { GatewayError, InvalidArgumentsError } from "../errors.js";

/**
 * Reads a body up to `maxBytes`: WFX_PAYLOAD_TOO_LARGE past it, checked against Content-Length first. A chunked body
 * that grows past it is drained, not destroyed: the request (and its socket) must outlive the refusal, which is sent
 * on it and audited with its address.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(declared, maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      // Drained unread; a client that goes away meanwhile is nobody's error to handle.
      req.on("error", () => undefined).resume();
      reject(tooLarge(size, maxBytes));
    };
    const onEnd = () => (stop(), resolve(Buffer.concat(chunks, size)));
    const onError = (error: Error) => (stop(), reject(error));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Reads a JSON body up to `maxBytes` (see readBody); an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, method: string): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  if (body.length === 0) return {};
  const text = body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentsError({
      method,
      problems: [{ field: "(body)", message: `not valid JSON: ${(error as Error).message}`, expected: "a JSON object with the method's fields" }],
      required_fields: [],
      optional_fields: [],
      example: {},
    });
  }
}

function tooLarge(size: number, maxBytes: number): GatewayError {
  return new GatewayError("WFX_PAYLOAD_TOO_LARGE", `request body is ${size > maxBytes ? "over" : ""} ${maxBytes} bytes (the node's cap)`, { hint: "send less, or raise --max-body-bytes on the node" });
}
