import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "../../observability/index.js";
import { WfxError } from "../../errors.js";
import { listenFailed } from "../errors.js";
import { authenticate, callContext, toServiceError } from "./call-context.js";
import type { ExecutionEvent } from "../../engine/internal.js";
import { encodedOnce, eventAnswer, type ServerPaths } from "../operations/index.js";
import { eventMessage, requestToArgs, UNARY_METHODS } from "./convert.js";
import { loadDefinitions, SERVICE_NAME } from "./proto.js";
import { watchExecution, watchNodes, type StreamDeps } from "./watch-streams.js";

export interface GrpcGatewayOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  tls?: { cert: Buffer; key: Buffer } | undefined;
}

export interface GrpcGatewayDeps extends StreamDeps {
  logger: Logger;
}

/**
 * A live event goes to every watcher of its execution as the same object (watch-fan-out.ts); it is encoded once (the
 * first time) and the bytes written to each stream, instead of converting and encoding it again per watcher.
 */
function withSharedEventEncoding(service: grpc.ServiceDefinition, paths: ServerPaths): { service: grpc.ServiceDefinition; encodeEvent: (event: ExecutionEvent) => Buffer } {
  const watch = service["WatchExecution"]!;
  const serialize = watch.responseSerialize as (value: unknown) => Buffer;
  const encodeEvent = encodedOnce((event) => serialize(eventMessage(eventAnswer(event, paths))));
  const responseSerialize = (value: unknown) => (Buffer.isBuffer(value) ? value : serialize(value));
  return { service: { ...service, WatchExecution: { ...watch, responseSerialize } }, encodeEvent };
}

/** The gRPC service (proto/wfx/v1), plus grpc.health.v1 and server reflection. */
export class GrpcGateway {
  readonly #server: grpc.Server;
  readonly #options: GrpcGatewayOptions;
  readonly #health = new HealthImplementation({ "": "SERVING", [SERVICE_NAME]: "SERVING" });
  #address = "";

  constructor(deps: GrpcGatewayDeps, options: GrpcGatewayOptions) {
    this.#options = options;
    this.#server = new grpc.Server({
      "grpc.max_receive_message_length": options.maxMessageBytes,
      "grpc.max_send_message_length": options.maxMessageBytes,
    });
    const { packageDefinition, service: loaded } = loadDefinitions();
    const { service, encodeEvent } = withSharedEventEncoding(loaded, deps.operations.deps.paths);
    const implementation: grpc.UntypedServiceImplementation = {
      WatchExecution: (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => void watchExecution(call, deps, encodeEvent),
      WatchNodes: (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => watchNodes(call, deps),
    };
    for (const [rpc, { method, toMessage }] of Object.entries(UNARY_METHODS)) {
      implementation[rpc] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let ctx;
        try {
          ctx = callContext(call, authenticate(call, deps.tokens, deps.operations, method));
        } catch (error) {
          return callback(toServiceError(error, deps.operations.deps.paths));
        }
        const run = async () => toMessage(await deps.operations.call(method, requestToArgs(method, call.request), ctx));
        run().then(
          (message) => callback(null, message),
          (error: unknown) => {
            if (!(error instanceof WfxError)) deps.logger.error({ err: error, rpc }, "grpc call failed");
            callback(toServiceError(error, deps.operations.deps.paths));
          },
        );
      };
    }
    this.#server.addService(service, implementation);
    this.#health.addToServer(this.#server);
    new ReflectionService(packageDefinition).addToServer(this.#server);
  }

  get address(): string {
    return this.#address;
  }

  listen(): Promise<string> {
    const credentials = this.#options.tls ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: this.#options.tls.cert, private_key: this.#options.tls.key }], false) : grpc.ServerCredentials.createInsecure();
    const host = this.#options.host.includes(":") ? `[${this.#options.host}]` : this.#options.host;
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(`${host}:${this.#options.port}`, credentials, (error, port) => {
        if (error) return reject(listenFailed(error, "gRPC", this.#options.host, this.#options.port, "--grpc-port"));
        this.#address = `${host}:${port}`;
        resolve(this.#address);
      });
    });
  }

  /** Health follows the node's readiness (SERVING / NOT_SERVING) while it runs. */
  setServing(serving: boolean): void {
    const status = serving ? "SERVING" : "NOT_SERVING";
    this.#health.setStatus("", status);
    this.#health.setStatus(SERVICE_NAME, status);
  }

  /** Health says NOT_SERVING (load balancers move away) and no new calls are accepted; calls in flight go on. */
  stopAccepting(): void {
    this.#health.setStatus("", "NOT_SERVING");
    this.#health.setStatus(SERVICE_NAME, "NOT_SERVING");
    // Never bound (its port was taken): nothing to unbind.
    if (this.#address !== "") this.#server.unbind(this.#address);
  }

  /** Ends every call still open (streams included). */
  close(): void {
    this.#server.forceShutdown();
  }
}
