import http2 from "node:http2";
import { workflowExecutorClient } from "../../src/gateway/grpc/proto.js";

type Msg = Record<string, unknown>;
type Serialize = (value: unknown) => Buffer;
type Deserialize = (bytes: Buffer) => Msg;

/** WatchExecution's path and (de)serializers, from the same proto the node serves. */
function watchMethod(): { path: string; serialize: Serialize; deserialize: Deserialize } {
  const definition = (workflowExecutorClient().service as unknown as Record<string, { path: string; requestSerialize: Serialize; responseDeserialize: Deserialize }>)["WatchExecution"]!;
  return { path: definition.path, serialize: definition.requestSerialize, deserialize: definition.responseDeserialize };
}

/** The 5-byte gRPC message prefix (uncompressed, length) and the message. */
function framed(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(message.length + 5);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/**
 * A thin WatchExecution client: one HTTP/2 session, a stream per watcher, gRPC's length-prefixed framing read by hand
 * and each message decoded with the proto's own deserializer; what the grpc-js client adds per message (its call
 * stack of interceptors, filters and object-mode streams) is left out, as the thin HTTP and MCP callers leave out
 * a client library. `onMessage` gets each watcher's decoded events; `done` resolves once every stream has ended.
 */
export function thinWatchers(address: string, executionId: string, count: number, onMessage: (event: Msg) => void): { done: Promise<void>; close: () => void } {
  const { path, serialize, deserialize } = watchMethod();
  const session = http2.connect(`http://${address}`);
  session.on("error", () => undefined);
  const request = framed(serialize({ execution_id: executionId, after_seq: 0 }));
  let ended = 0;
  const done = new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
      let pending: Buffer = Buffer.alloc(0);
      stream.on("data", (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= 5) {
          const length = pending.readUInt32BE(1);
          if (pending.length < 5 + length) break;
          onMessage(deserialize(pending.subarray(5, 5 + length)));
          pending = pending.subarray(5 + length);
        }
      });
      const finish = () => ++ended === count && resolve();
      stream.on("close", finish);
      stream.on("error", () => undefined);
      stream.end(request);
    }
  });
  return { done, close: () => session.close() };
}
