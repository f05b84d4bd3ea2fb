import { WfxError, toErrorInfo } from "../../errors.js";
import type { ServerPaths } from "./server-paths.js";

/** gRPC status names (grpc-js maps them to numbers); kept as names so this file needs no gRPC import. */
export type GrpcStatusName =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "UNIMPLEMENTED"
  | "FAILED_PRECONDITION"
  | "ALREADY_EXISTS"
  | "INTERNAL";

export interface ErrorStatus {
  http: number;
  grpc: GrpcStatusName;
}

const BY_CODE: Readonly<Record<string, ErrorStatus>> = Object.freeze({
  WFX_INVALID_ARGUMENTS: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_WORKFLOW_INVALID: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_OVERRIDE_NOT_DATA: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_CALLER_POLICY_DENIED: { http: 403, grpc: "PERMISSION_DENIED" },
  WFX_BUDGET_ABOVE_WORKFLOW: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_BUDGET_ABOVE_POLICY: { http: 403, grpc: "PERMISSION_DENIED" },
  WFX_INLINE_WORKFLOW_REJECTED: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_GENERATION_INVALID: { http: 422, grpc: "FAILED_PRECONDITION" },
  WFX_DIRECTORY_NOT_SERVED: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_NO_WORKFLOWS: { http: 400, grpc: "INVALID_ARGUMENT" },
  WFX_UNKNOWN_WORKFLOW: { http: 404, grpc: "NOT_FOUND" },
  WFX_EXECUTION_NOT_FOUND: { http: 404, grpc: "NOT_FOUND" },
  WFX_UNAUTHENTICATED: { http: 401, grpc: "UNAUTHENTICATED" },
  WFX_PERMISSION_DENIED: { http: 403, grpc: "PERMISSION_DENIED" },
  WFX_BUSY: { http: 429, grpc: "RESOURCE_EXHAUSTED" },
  WFX_QUEUE_FULL: { http: 429, grpc: "RESOURCE_EXHAUSTED" },
  WFX_TOKEN_QUEUE_FULL: { http: 429, grpc: "RESOURCE_EXHAUSTED" },
  WFX_TOKEN_WATCHERS_FULL: { http: 429, grpc: "RESOURCE_EXHAUSTED" },
  WFX_NODE_WATCHERS_FULL: { http: 503, grpc: "RESOURCE_EXHAUSTED" },
  WFX_PAYLOAD_TOO_LARGE: { http: 413, grpc: "RESOURCE_EXHAUSTED" },
  WFX_UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: "INVALID_ARGUMENT" },
  WFX_SHUTTING_DOWN: { http: 503, grpc: "UNAVAILABLE" },
  WFX_GENERATION_UNAVAILABLE: { http: 501, grpc: "UNIMPLEMENTED" },
  WFX_IDEMPOTENCY_KEY_REUSED: { http: 409, grpc: "ALREADY_EXISTS" },
});

const INTERNAL: ErrorStatus = Object.freeze({ http: 500, grpc: "INTERNAL" });

/** The HTTP status and gRPC code for an error's WFX code; anything unknown is an internal error. */
export function errorStatus(error: unknown): ErrorStatus {
  return error instanceof WfxError ? BY_CODE[error.code] ?? INTERNAL : INTERNAL;
}

/**
 * The JSON body every gateway sends for an error: `{code, message, hint?, actionable_feedback?}`, with the node's
 * folders named neutrally (see ServerPaths): the one place errors become answers, so no gateway can forget it.
 */
export function errorBody(error: unknown, paths: ServerPaths): Record<string, unknown> {
  if (error instanceof WfxError) return paths.value(error.toJSON() as Record<string, unknown>);
  const info = toErrorInfo(error);
  return { code: "WFX_INTERNAL", message: paths.text(`internal error: ${info.message}`), hint: "this is a bug in the node; the audit log has the details" };
}
