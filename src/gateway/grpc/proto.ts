import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** `proto/` at the package root (this file runs from dist/src/gateway/grpc/). */
export const PROTO_ROOT = fileURLToPath(new URL("../../../../proto/", import.meta.url));
export const WFX_PROTO = "wfx/v1/workflow_executor.proto";
export const SERVICE_NAME = "wfx.v1.WorkflowExecutor";

/** Our copy of grpc.health.v1 without `List` (its map<> field breaks reflection clients); grpc-health-check serves it. */
const HEALTH_PROTO = "grpc/health/v1/health.proto";

/** keepCase: field names stay the source document's snake_case; int64 become numbers; unset fields get defaults. */
export const LOADER_OPTIONS: protoLoader.Options = Object.freeze({ keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });

/** Our service and the health service in one definition, so reflection describes both. */
export function loadDefinitions(): { packageDefinition: protoLoader.PackageDefinition; service: grpc.ServiceDefinition } {
  const packageDefinition = protoLoader.loadSync([WFX_PROTO, HEALTH_PROTO], { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as { wfx: { v1: { WorkflowExecutor: grpc.ServiceClientConstructor } } };
  return { packageDefinition, service: loaded.wfx.v1.WorkflowExecutor.service };
}

/** A client constructor for tests, benchmarks and other nodes. */
export function workflowExecutorClient(): grpc.ServiceClientConstructor {
  const packageDefinition = protoLoader.loadSync(WFX_PROTO, { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  return (grpc.loadPackageDefinition(packageDefinition) as unknown as { wfx: { v1: { WorkflowExecutor: grpc.ServiceClientConstructor } } }).wfx.v1.WorkflowExecutor;
}
