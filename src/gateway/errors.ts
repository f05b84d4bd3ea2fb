import { WfxError } from "../errors.js";

/** Every code the gateways raise themselves, with what it means; the README lists them and a test checks it. */
export const GATEWAY_ERROR_CODES = {
  WFX_INVALID_ARGUMENTS: "a request's arguments do not match the method's schema or pass a limit (too deeply nested JSON, too large input_data); the answer names each field and what it expects",
  WFX_UNAUTHENTICATED: "no bearer token, or one that matches no configured token",
  WFX_PERMISSION_DENIED: "the token lacks the scope the method needs, or is limited to other workflows or node tags",
  WFX_BUSY: "the node already runs as many executions as it allows (an execution request queues instead; see WFX_QUEUE_FULL); retry later or elsewhere",
  WFX_QUEUE_FULL: "the node's queue already holds as many waiting executions as it allows (--max-queued, profile capacity.queued, default 10,000); retry once some have started",
  WFX_TOKEN_QUEUE_FULL: "the token already has as many executions waiting in the node's queue as its max_queued allows; retry once some of them have started",
  WFX_TOKEN_WATCHERS_FULL: "the token already holds as many open watches (SSE streams, gRPC watches, watch_execution waits) as its max_watchers allows (default 100)",
  WFX_NODE_WATCHERS_FULL: "the node already holds as many open watches as it allows in all (--max-watchers, default 4096)",
  WFX_SHUTTING_DOWN: "the node is draining for shutdown and accepts no new executions",
  WFX_UNKNOWN_WORKFLOW: "no workflow of that name in the node's workflow directories",
  WFX_GENERATION_UNAVAILABLE: "this node has no workflow generator configured",
  WFX_GENERATION_INVALID: "the generator produced a workflow that does not validate",
  WFX_PAYLOAD_TOO_LARGE: "the request body or message is larger than the configured cap",
  WFX_UNSUPPORTED_MEDIA_TYPE: "a POST to a node without tokens does not say `content-type: application/json` (what a page on another site could send without asking)",
  WFX_TOO_MANY_SESSIONS: "a token already holds as many 2025-era MCP sessions as one token may, all in use (429), or the node holds as many as it allows (503)",
  WFX_INLINE_WORKFLOW_REJECTED: "an inline workflow asks for something inline workflows may not do (function modules, files outside its sandbox, more steps than the node allows)",
  WFX_DIRECTORY_NOT_SERVED: "list_workflows named a directory that is not one of the node's workflow directories",
  WFX_TOKENS_INVALID: "the token file or WFX_TOKENS could not be read or has invalid entries",
  WFX_GATEWAY_CONFIG: "the gateway options are inconsistent (for example a public address without tokens)",
  WFX_NO_ROUTE: "the HTTP gateway has no route for that method and path",
  WFX_PORT_IN_USE: "a gateway or the probe port could not listen: another process already uses its port (or the address cannot be bound)",
  WFX_INTERNAL: "an unexpected error inside the node (a bug); the audit log has the details",
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

/** The node's admission refusals: raised by the engine, mapped to statuses here like the gateways' own. */
export { BusyError, QueueFullError, ShuttingDownError, TokenQueueFullError } from "../engine/errors.js";

/** Base of the errors the gateways raise. */
export class GatewayError extends WfxError {
  override name = "GatewayError";
  declare readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode, message: string, options: { hint?: string; cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
  }
}

/** A gateway that could not listen, said plainly: which port, and how to free it or pick another. */
export function listenFailed(error: unknown, gateway: "HTTP/MCP" | "gRPC" | "probe", host: string, port: number, flag: string): GatewayError {
  const detail = (error as Error)?.message ?? String(error);
  const inUse = (error as NodeJS.ErrnoException)?.code === "EADDRINUSE" || detail.includes("EADDRINUSE");
  const where = `${host}:${port}`;
  // The kubelet probes a fixed port, so the probe port has no "pick a free one".
  const choose = gateway === "probe" ? `${flag} N (1-65535)` : `${flag} N (0 picks a free one)`;
  return new GatewayError("WFX_PORT_IN_USE", inUse ? `the ${gateway} port ${port} is already in use (${where})` : `the ${gateway} ${gateway === "probe" ? "server" : "gateway"} cannot listen on ${where}: ${detail}`, {
    hint: `stop the process using it (\`lsof -i :${port}\`), or choose another port with ${choose}`,
    cause: error,
  });
}

/** One wrong field of a request: where, what is wrong, and what would be accepted. */
export interface ArgumentProblem {
  field: string;
  message: string;
  expected: string;
}

/** What a caller needs to fix a request (the source document's `actionable_feedback`, with per-field problems). */
export interface ActionableFeedback {
  method: string;
  problems: ArgumentProblem[];
  required_fields: string[];
  optional_fields: string[];
  example: Record<string, unknown>;
}

export class InvalidArgumentsError extends GatewayError {
  override name = "InvalidArgumentsError";
  readonly feedback: ActionableFeedback;
  constructor(feedback: ActionableFeedback) {
    const first = feedback.problems[0];
    const summary = feedback.problems.map((p) => `${p.field}: ${p.message} (expected ${p.expected})`).join("; ");
    super("WFX_INVALID_ARGUMENTS", `invalid arguments for ${feedback.method}: ${summary}`, {
      hint: first ? `required: ${feedback.required_fields.join(", ") || "(none)"}; optional: ${feedback.optional_fields.join(", ")}` : "check the method's input schema",
    });
    this.feedback = feedback;
  }

  override toJSON(): { code: string; message: string; hint?: string; actionable_feedback: ActionableFeedback } {
    return { ...super.toJSON(), actionable_feedback: this.feedback };
  }
}

export class UnauthenticatedError extends GatewayError {
  override name = "UnauthenticatedError";
  constructor(message = "missing or unknown bearer token") {
    super("WFX_UNAUTHENTICATED", message, { hint: "send `Authorization: Bearer <token>` with a token from the node's token file or WFX_TOKENS" });
  }
}

export class PermissionDeniedError extends GatewayError {
  override name = "PermissionDeniedError";
  constructor(message: string, options: { hint?: string } = {}) {
    super("WFX_PERMISSION_DENIED", message, options);
  }
}

export class TokenWatchersFullError extends GatewayError {
  override name = "TokenWatchersFullError";
  constructor(tokenId: string, open: number) {
    super("WFX_TOKEN_WATCHERS_FULL", `token '${tokenId}' already holds ${open} open watch${open === 1 ? "" : "es"} (SSE streams, gRPC watches, watch_execution waits), the most it may hold at once (its max_watchers)`, {
      hint: "close a stream you no longer read, then open this one; the operator can raise max_watchers of this token in the token file (default 100)",
      retryable: true,
    });
  }
}

export class NodeWatchersFullError extends GatewayError {
  override name = "NodeWatchersFullError";
  constructor(max: number) {
    super("WFX_NODE_WATCHERS_FULL", `the node holds ${max} open watches, the most it allows in all (its --max-watchers)`, {
      hint: "retry later, or watch through another node; the operator can raise --max-watchers (WFX_MAX_WATCHERS), keeping it well below the process's open-file limit (ulimit -n)",
      retryable: true,
    });
  }
}

export class GenerationUnavailableError extends GatewayError {
  override name = "GenerationUnavailableError";
  constructor(reason: string) {
    super("WFX_GENERATION_UNAVAILABLE", `generation is not available in this node: ${reason}`, {
      hint: "use execute_workflow with a workflow_name, workflow_config or workflow_yaml, or call a node that has a generator",
    });
  }
}
