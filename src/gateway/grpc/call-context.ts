import { callerTrace } from "../../observability/index.js";
import * as grpc from "@grpc/grpc-js";
import type { Principal, TokenStore } from "../auth/index.js";
import { errorBody, errorStatus, type CallContext, type Operations, type ServerPaths } from "../operations/index.js";

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/** A WFX error as a gRPC status; the full JSON body (with actionable_feedback) rides in `wfx-error-bin` metadata. */
export function toServiceError(error: unknown, paths: ServerPaths): Partial<grpc.StatusObject> & Error {
  const body = errorBody(error, paths);
  const metadata = new grpc.Metadata();
  metadata.set("wfx-code", String(body["code"]));
  metadata.set("wfx-error-bin", Buffer.from(JSON.stringify(body)));
  const details = body["hint"] === undefined ? String(body["message"]) : `${String(body["message"])} (hint: ${String(body["hint"])})`;
  return Object.assign(new Error(details), { code: grpc.status[errorStatus(error).grpc], details, metadata });
}

function deadlineMs(call: AnyCall): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

export function remoteOf(call: AnyCall): string {
  return call.getPeer();
}

/** Authenticates the call from its `authorization` metadata; refusals are audited here, since no method ran. */
export function authenticate(call: AnyCall, tokens: TokenStore, operations: Operations, method: string): Principal {
  const header = call.metadata.get("authorization")[0];
  try {
    return tokens.authenticate(typeof header === "string" ? header : header?.toString("utf8"));
  } catch (error) {
    operations.reject("grpc", method, error, remoteOf(call));
    throw error;
  }
}

/** The call's context: cancelled with the call, and its deadline passed on (a sync execution's timeout is capped to it). */
export function callContext(call: AnyCall, principal: Principal): CallContext {
  const caller = new AbortController();
  call.on("cancelled", () => caller.abort());
  const trace = callerTrace(call.metadata.get("traceparent")[0], call.metadata.get("tracestate"));
  return { principal, gateway: "grpc", remote: remoteOf(call), signal: caller.signal, deadlineMs: deadlineMs(call), trace };
}
