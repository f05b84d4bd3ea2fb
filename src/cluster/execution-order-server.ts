import type { Subscription } from "@nats-io/transport-node";
import { settledWithin, type CancelResult, type ExecutionClient, type ExecutionQueue, type ShownTicket, type Taken } from "../engine/internal.js";
import { toErrorInfo, WfxError } from "../errors.js";
import type { Logger } from "../observability/index.js";
import { requestOf, type ExecutionOrder, type OrderFolders } from "./execution-order.js";
import { cancelSubject, startSubject } from "./subjects.js";
import { decodeJson, encodeJson } from "./codec.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** Orders and answers carry a tenant's workflow, input and result: encrypted as well as signed. */
const SEALED = { encrypt: true } as const;

/**
 * What a start order is answered with: the record as started (durable in the store), the node that had already started
 * it (a start sent twice, to this node or another, runs once), or why not.
 */
export type StartAnswer = { record: unknown } | { startedOn: string } | { error: { code: string; message: string; hint?: string; retryable: boolean } };
export type CancelAnswer = { result: CancelResult } | { error: { code: string; message: string; hint?: string } };

export interface OrderServerDeps {
  selfId: string;
  client: ExecutionClient;
  folders: OrderFolders;
  /** The node's slots and key shares: an order finding none free is recorded `queued` here and starts when they free. */
  queue: ExecutionQueue;
  /** Claims the start of an execution in the cluster store, once for the whole cluster: the node that holds it, or undefined when this one won. */
  claimStart: (executionId: string) => Promise<string | undefined>;
  logger: Logger;
}

/**
 * Runs here the executions other nodes place on this one, and cancels those it runs when another node's gateway asks:
 * a start takes an admission slot like a gateway request would, and is answered once its record is durable.
 */
export class ExecutionOrderServer {
  readonly #subs: Subscription[];
  /** The placed executions running here, by id, until they end: what a shutdown lets finish. */
  readonly #running = new Map<string, Promise<unknown>>();
  readonly #queue: ExecutionQueue;

  constructor(wire: ClusterWire, deps: OrderServerDeps) {
    this.#queue = deps.queue;
    // Only orders that passed the wire's check (signed with the cluster key, fresh, not replayed) reach these handlers.
    this.#subs = [
      wire.subscribe(startSubject(deps.selfId), (msg) => void start(deps, decodeJson<ExecutionOrder>(msg.body), this.#running).then((answer) => msg.respond(encodeJson(answer), SEALED))),
      wire.subscribe(cancelSubject(deps.selfId), (msg) => void cancel(deps, decodeJson<{ executionId: string; reason: string }>(msg.body)).then((answer) => msg.respond(encodeJson(answer), SEALED))),
    ];
  }

  /** Resolves once no placed execution runs here, or after `timeoutMs`; says how many still ran then. */
  async idle(timeoutMs: number): Promise<{ running: number }> {
    // What still waits in the queue stays queued through a shutdown (the next start takes it up): nothing to wait for.
    const started = () => [...this.#running].filter(([id]) => this.#queue.positionOf(id) === undefined);
    await settledWithin(started().map(([, done]) => done), timeoutMs);
    return { running: started().length };
  }

  close(): void {
    for (const sub of this.#subs) sub.unsubscribe();
  }
}

/** An order from an older node carries no ticket: it takes turns under who started it, at the default priority. */
function ticketOf(order: ExecutionOrder): ShownTicket {
  return order.ticket ?? { priority: 5, key: order.startedBy ?? order.placedBy, turnKey: `token\u0000${order.startedBy ?? order.placedBy}`, limits: [] };
}

async function start(deps: OrderServerDeps, order: ExecutionOrder | undefined, running: Map<string, Promise<unknown>>): Promise<StartAnswer> {
  let taken: Taken | undefined;
  let release: (() => void) | undefined;
  try {
    if (order === undefined) throw new WfxError("WFX_CLUSTER_CONFIG", "the execution order is not JSON", { hint: "the order was corrupted on its way" });
    const ticket = ticketOf(order);
    taken = await deps.queue.take(order.executionId, { priority: ticket.priority, key: ticket.turnKey, limits: ticket.limits });
    release = () => taken?.release();
    // A placer that timed out waiting for an answer places the order again: only the node that claims its start runs it.
    const holder = await deps.claimStart(order.executionId);
    if (holder !== undefined) {
      release();
      const here = holder === deps.selfId ? await deps.client.status(order.executionId) : undefined;
      return here !== undefined ? { record: here } : { startedOn: holder };
    }
    const request = requestOf(order, deps.folders, deps.selfId);
    // No slot or key share free: recorded `queued` (durable in the cluster store) and started here when they free.
    const started = deps.client.start(taken === undefined ? { ...request, queued: deps.queue.queuedRequest(order.executionId, ticket) } : request);
    const id = started.record.execution_id;
    running.set(id, started.done);
    void started.done.finally(() => (release!(), running.delete(id))).catch(() => undefined);
    await deps.client.persisted();
    deps.logger.info({ execution_id: order.executionId, placed_by: order.placedBy, mode: order.mode }, "started an execution placed here");
    return { record: started.record };
  } catch (error) {
    release?.();
    const info = toErrorInfo(error);
    // A full queue (the node's, or the token's share of it here) or a draining node is worth placing again elsewhere; a workflow this node refuses is not.
    return { error: { ...info, retryable: info.code === "WFX_BUSY" || info.code === "WFX_QUEUE_FULL" || info.code === "WFX_TOKEN_QUEUE_FULL" || info.code === "WFX_SHUTTING_DOWN" } };
  }
}

async function cancel(deps: OrderServerDeps, asked: { executionId: string; reason: string } | undefined): Promise<CancelAnswer> {
  try {
    if (asked === undefined) throw new WfxError("WFX_CLUSTER_CONFIG", "the cancel order is not JSON", { hint: "the order was corrupted on its way" });
    const result = await deps.client.cancel(asked.executionId, asked.reason);
    // Answered once its end is in the store: any node reads it cancelled from then on.
    await deps.client.persisted();
    return { result };
  } catch (error) {
    return { error: toErrorInfo(error) };
  }
}
