import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { workflowExecutorClient } from "../../src/gateway/index.js";

type Msg = Record<string, unknown>;
export type WfxClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export function grpcClient(address: string, credentials = grpc.credentials.createInsecure()): WfxClient {
  const Client = workflowExecutorClient();
  return new Client(address, credentials) as unknown as WfxClient;
}

export function metadataFor(token?: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** A unary call as a promise; `deadlineMs` is relative. */
export function unary(client: WfxClient, rpc: string, request: Msg, options: { token?: string; deadlineMs?: number; signal?: AbortSignal } = {}): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const callOptions: grpc.CallOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    const call = (client[rpc] as (req: Msg, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Msg) => void) => grpc.ClientUnaryCall)(
      request,
      metadataFor(options.token),
      callOptions,
      (error, response) => (error ? reject(error) : resolve(response)),
    );
    options.signal?.addEventListener("abort", () => call.cancel(), { once: true });
  });
}

/** Reads a server stream to its end (or error). */
export function collect(stream: grpc.ClientReadableStream<Msg>): Promise<{ messages: Msg[]; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const messages: Msg[] = [];
    stream.on("data", (m: Msg) => messages.push(m));
    stream.on("error", (error: grpc.ServiceError) => resolve({ messages, error }));
    stream.on("end", () => resolve({ messages }));
  });
}

export function watch(client: WfxClient, executionId: string, afterSeq = 0, token?: string): grpc.ClientReadableStream<Msg> {
  return (client["WatchExecution"] as (req: Msg, md: grpc.Metadata) => grpc.ClientReadableStream<Msg>)({ execution_id: executionId, after_seq: afterSeq }, metadataFor(token));
}

/** The WFX error body the server put in `wfx-error-bin` metadata. */
export function errorBodyOf(error: grpc.ServiceError): Msg {
  const raw = error.metadata?.get("wfx-error-bin")[0];
  return raw === undefined ? {} : (JSON.parse(raw.toString()) as Msg);
}

const require = createRequire(import.meta.url);

export function healthClient(address: string): grpc.Client & { Check: (req: Msg, cb: (e: grpc.ServiceError | null, r: Msg) => void) => void } {
  const protoPath = (require("grpc-health-check") as { protoPath: string }).protoPath;
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true, enums: String })) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  return new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as never;
}
