import type { IncomingMessage } from "node:http";
import { GatewayError, InvalidArgumentsError } from "../errors.js";

/** Reads a body up to `maxBytes`: WFX_PAYLOAD_TOO_LARGE past it, checked against Content-Length first. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
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
  return Buffer.concat(chunks, size);
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
