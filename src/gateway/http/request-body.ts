import type { IncomingMessage } from "node:http";
import { GatewayError, InvalidArgumentsError } from "../errors.js";

/** Reads a JSON body up to `maxBytes` (413 past it, checked against Content-Length first); an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, method: string): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw tooLarge(size, maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const text = Buffer.concat(chunks, size).toString("utf8");
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
