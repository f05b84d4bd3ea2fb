import type { ActorContext, ActorLogic, ActorRef, Signal } from "../actors/index.js";
import { EngineError, StepFailedError, toStepErrorInfo, type NodeInfo, type StepHost, type StepOrder, type StepReport } from "../engine/index.js";
import { NoFeasibleNodeError } from "./errors.js";
import { place, type PlacementNode } from "./placement.js";

/** The actor kind a node registers to run step orders sent by supervisors on other nodes. */
export const STEP_KIND = "wfx.step";
/** How often a step nobody can take yet looks for a node again. */
const REPLACE_MS = 250;

export interface PlacedStepDeps {
  selfId: string;
  nodes: () => NodeInfo[];
  local: StepHost;
  placementTimeoutMs: number;
  /** What the order may take as JSON to cross to another node. */
  maxPayloadBytes: () => number;
}

/** A registry record as placement reads it (records carry no resources yet: none is asked of them). */
export function placementNodeOf(node: NodeInfo): PlacementNode {
  return { id: node.id, tags: node.tags, resources: { total: {}, free: {} }, capacity: { executions: node.capacity, steps: node.capacity }, load: { executions: node.load, steps: 0 }, status: node.status };
}

/** The error for an order too large to send to another node (its input, mostly); undefined when it fits. */
function oversizeOrder(order: StepOrder, maxBytes: number): EngineError | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(order));
  if (bytes <= maxBytes) return undefined;
  return new EngineError("WFX_STEP_PAYLOAD_TOO_LARGE", `the order for step '${order.stepId}' (its input and workflow file) is ${bytes} bytes as JSON, over the ${maxBytes} bytes that may cross to another node`, {
    hint: "pass a smaller input (a file path or a key, not the data itself), or raise the NATS server's max_payload",
  });
}

interface State {
  child: ActorRef | undefined;
  node: string | undefined;
  since: number;
  toldPending: boolean;
}

type Message = StepReport | { type: "place" };

/**
 * Stands in, in the supervisor's system, for a step placed by its tags: it places the step (waiting while no node
 * fits, up to the placement timeout), runs it as its child there (this node, or another by kind over the actor link),
 * relays its reports, and fails when the child fails or its node is lost, so the step's retry policy, restarting this
 * actor, places it again (on a node that is still up).
 */
export function fromPlacedStep(order: StepOrder, deps: PlacedStepDeps): ActorLogic<State, Message> {
  function tryPlace(state: State, ctx: ActorContext<Message>): void {
    const result = place({ ...order.placement!, kind: "step" }, deps.nodes().map(placementNodeOf), Math.random);
    if ("node" in result) {
      const attemptOrder: StepOrder = { ...order, attempt: order.attempt - 1 + ctx.attempt };
      state.node = result.node.id;
      const tooLarge = result.node.id === deps.selfId ? undefined : oversizeOrder(attemptOrder, deps.maxPayloadBytes());
      if (tooLarge !== undefined) {
        (ctx.parent as ActorRef<StepReport>).tell({ type: "step_failed", slot: order.slot, error: toStepErrorInfo(tooLarge) });
        ctx.stop();
        return;
      }
      state.child = result.node.id === deps.selfId ? deps.local.spawnStep(ctx, attemptOrder, { name: "run" }) : ctx.spawnRemote(result.node.id, STEP_KIND, { order: attemptOrder }, { name: "run" });
      return;
    }
    if (ctx.system.clock.now() - state.since >= deps.placementTimeoutMs) {
      const error = new NoFeasibleNodeError(`step '${order.stepId}'`, result.pending, Math.round(deps.placementTimeoutMs / 1000));
      (ctx.parent as ActorRef<StepReport>).tell({ type: "step_failed", slot: order.slot, error: toStepErrorInfo(error) });
      ctx.stop();
      return;
    }
    if (!state.toldPending) {
      state.toldPending = true;
      (ctx.parent as ActorRef<StepReport>).tell({ type: "step_progress", slot: order.slot, data: { kind: "pending", message: result.pending.message } });
    }
    ctx.scheduleOnce(REPLACE_MS, { type: "place" });
  }

  return {
    start(ctx) {
      const state: State = { child: undefined, node: undefined, since: ctx.system.clock.now(), toldPending: false };
      tryPlace(state, ctx);
      return state;
    },
    receive(state, message, ctx) {
      if (message.type === "place") tryPlace(state, ctx);
      else (ctx.parent as ActorRef<StepReport>).tell(message);
      return state;
    },
    onSignal(state, signal: Signal, ctx) {
      if (signal.type !== "terminated" || signal.ref !== state.child) return state;
      if (signal.error === undefined) {
        ctx.stop();
        return state;
      }
      const cause = toStepErrorInfo(signal.error);
      const lost = cause.code === "WFX_ACTOR_SYSTEM_DOWN" || cause.code === "WFX_NO_ROUTE";
      // A lost node is worth another try elsewhere; whether it gets one is the step's retry policy.
      ctx.fail(lost ? new StepFailedError({ code: "WFX_STEP_NODE_LOST", message: `node '${state.node}' running step '${order.stepId}' was lost: ${cause.message}`, hint: "give the step `retry:` to run it again on another fitting node", retryable: true }) : new StepFailedError(cause));
      return state;
    },
  };
}
