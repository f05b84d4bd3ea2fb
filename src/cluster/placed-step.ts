import type { ActorContext, ActorLogic, ActorRef, Signal } from "../actors/index.js";
import { StepFailedError, toStepErrorInfo, type NodeInfo, type StepHost, type StepOrder, type StepReport } from "../engine/internal.js";
import { NoFeasibleNodeError } from "./errors.js";
import { attemptKey } from "./hosted-outcomes.js";
import type { ProbeAnswer } from "./step-probe.js";
import { place, placementFor, type PlacementNode } from "./placement.js";
import { placementNodeOf } from "./placement-node.js";
import type { Release, StepSlots } from "./step-slots.js";
import { given } from "../present.js";
import { oversizeOrder } from "./order-size.js";
import type { TagLimiter, TagLimitState } from "./tag-limits.js";

/** The actor kind a node registers to run step orders sent by supervisors on other nodes. */
export const STEP_KIND = "wfx.step";
/** How often a step nobody can take yet looks for a node again. */
const REPLACE_MS = 250;
/** How soon a step a node refused (full by the time it arrived) is placed again: that node's next record is on its way. */
const REFUSED_REPLACE_MS = 20;
/** How often a stand-in looks whether its step needs asking after: NATS came back, or the step is slow to start. */
const WATCH_MS = 500;
/** A step not started this long after it was sent is asked after: its node may have died a moment before. */
const START_PROBE_MS = 1000;
/** Asked after this often anyway: a report can be lost without a reconnect (a slow consumer's dropped messages). */
const SAFETY_PROBE_MS = 15_000;
/** How often a step whose node has not answered since a reconnect is asked again. */
const RETRY_PROBE_MS = 1000;
/** A node that had not started the step is passed over this long: time for the registry to see it gone, if it is. */
const SUSPECT_MS = 3000;

export interface PlacedStepDeps {
  selfId: string;
  nodes: () => NodeInfo[];
  local: StepHost;
  /** This node's placed steps: a step placed here takes a slot and its resources from them while it runs. */
  slots: StepSlots;
  placementTimeoutMs: number;
  /** What the order may take as JSON to cross to another node. */
  maxPayloadBytes: () => number;
  /** Asks a node how an attempt placed there is doing; absent: never asked (reports are trusted to arrive). */
  probe?: (nodeId: string, key: string) => Promise<ProbeAnswer>;
  /** How many times this node's NATS connection came back: a change means reports may have been lost. */
  reconnects?: () => number;
  /** Whether a node's beat was heard since this node's connection came up: only then does "no responders" prove its process gone. */
  heardSinceConnected?: (nodeId: string) => boolean;
  /** The cluster's limits per tag: a step asking for a limited tag waits for a place under it before it is placed. */
  tagLimits?: TagLimiter;
}

interface State {
  child: ActorRef | undefined;
  node: string | undefined;
  since: number;
  toldPending: boolean;
  /** What a step placed on this node holds of its slots, until its child ends. */
  release: Release | undefined;
  /** Children started so far: each gets a name of its own. */
  runs: number;
  /** The remote attempt running now, as its node knows it, and what this stand-in has seen of it. */
  remote: RemoteRun | undefined;
  /** Nodes that had not started the step when asked, and since when: passed over for SUSPECT_MS (it may be the only one that fits). */
  suspects: Map<string, number>;
  /** The dispatch running now: reports of an earlier one (its node lost, then woken) are dropped. */
  dispatch: string | undefined;
  /** Places under limited tags: none needed or all held (`held`), not asked for yet, or waiting for them (`asking`). */
  limits: "held" | "unasked" | "asking";
  /** This attempt's ask for places (held until the attempt ends); its token tells its reports from an earlier incarnation's. */
  ask: { token: object; release: () => void } | undefined;
}

interface RemoteRun {
  key: string;
  attempt: number;
  sentMs: number;
  started: boolean;
  final: boolean;
  /** The connection's reconnect count when last asked (or sent): a change means something may have been lost. */
  epoch: number;
  askedMs: number;
  asking: boolean;
  /** Its node was declared lost before the step started: the next answer decides whether that cost an attempt. */
  lost: boolean;
}

type Message = StepReport | { type: "limit"; token: object; state: TagLimitState } | { type: "place" } | { type: "watch"; run: number } | { type: "probed"; run: number; epoch: number; answer: ProbeAnswer };

/**
 * Stands in, in the supervisor's system, for a step placed by its tags: it places the step (waiting while no node
 * fits, up to the placement timeout), runs it as its child there (this node, or another by kind over the actor link),
 * relays its reports, and fails when the child fails or its node is lost, so the step's retry policy, restarting this
 * actor, places it again (on a node that is still up).
 */
export function fromPlacedStep(order: StepOrder, deps: PlacedStepDeps): ActorLogic<State, Message> {
  const report = (ctx: ActorContext<Message>, message: StepReport) => (ctx.parent as ActorRef<StepReport>).tell(message);
  const limitedTags = deps.tagLimits?.limitedOf(order.placement?.tags ?? []) ?? [];

  /** Runs the attempt on `node`; false when this node, placed on by its own live view, has no room after all. */
  function runOn(state: State, ctx: ActorContext<Message>, node: PlacementNode): boolean {
    const name = `run-${++state.runs}`;
    state.dispatch = node.id === deps.selfId ? undefined : `${ctx.attempt}.${state.runs}`;
    const attemptOrder: StepOrder = { ...order, attempt: order.attempt - 1 + ctx.attempt, ...given({ dispatch: state.dispatch }) };
    state.node = node.id;
    if (node.id !== deps.selfId) {
      const tooLarge = oversizeOrder(attemptOrder, deps.maxPayloadBytes());
      if (tooLarge !== undefined) {
        report(ctx, { type: "step_failed", slot: order.slot, error: toStepErrorInfo(tooLarge) });
        ctx.stop();
      } else {
        state.child = ctx.spawnRemote(node.id, STEP_KIND, { order: attemptOrder }, { name });
        const now = ctx.system.clock.now();
        state.remote = { key: attemptKey(attemptOrder), attempt: attemptOrder.attempt, sentMs: now, started: false, final: false, epoch: deps.reconnects?.() ?? 0, askedMs: now, asking: false, lost: false };
        if (deps.probe !== undefined) ctx.scheduleOnce(WATCH_MS, { type: "watch", run: state.runs });
      }
      return true;
    }
    const reserved = deps.slots.tryReserve(order.placement?.resources);
    if (typeof reserved !== "function") return false;
    state.release = reserved;
    state.child = deps.local.spawnStep(ctx, attemptOrder, { name });
    return true;
  }

  function tryPlace(state: State, ctx: ActorContext<Message>): void {
    if (state.limits === "asking") return;
    const now = ctx.system.clock.now();
    const nodes = deps.nodes().filter((n) => now - (state.suspects.get(n.id) ?? -Infinity) >= SUSPECT_MS);
    const result = place({ ...placementFor(order.placement), kind: "step" }, nodes.map(placementNodeOf), Math.random);
    // A step no node could run takes no place under a limit from one that could: it asks once some node fits.
    if (state.limits === "unasked" && ("node" in result || result.pending.reason === "busy")) return askLimits(state, ctx);
    if ("node" in result && runOn(state, ctx, result.node)) return;
    const pending = "pending" in result ? result.pending : { reason: "busy" as const, message: `this node (${deps.selfId}) has no room for it now`, missing_tags: [], missing_resources: [] };
    if (ctx.system.clock.now() - state.since >= deps.placementTimeoutMs) {
      const error = new NoFeasibleNodeError(`step '${order.stepId}'`, pending, Math.round(deps.placementTimeoutMs / 1000));
      report(ctx, { type: "step_failed", slot: order.slot, error: toStepErrorInfo(error) });
      ctx.stop();
      return;
    }
    if (!state.toldPending) {
      state.toldPending = true;
      report(ctx, { type: "step_progress", slot: order.slot, data: { kind: "pending", message: pending.message } });
    }
    ctx.scheduleOnce(REPLACE_MS, { type: "place" });
  }

  /** The child ended (its signal, or its node's answer after the signal was lost): stop, place again, or fail. */
  function childEnded(state: State, ctx: ActorContext<Message>, cause: ReturnType<typeof toStepErrorInfo> | undefined): void {
    const remote = state.remote;
    state.child = undefined;
    state.remote = undefined;
    state.release?.();
    state.release = undefined;
    if (cause === undefined) {
      ctx.stop();
      return;
    }
    // The node had filled up by the time the step reached it: not a failure of the step, so not a retry either.
    if (cause.code === "WFX_NODE_FULL") {
      ctx.scheduleOnce(REFUSED_REPLACE_MS, { type: "place" });
      return;
    }
    const lost = cause.code === "WFX_ACTOR_SYSTEM_DOWN" || cause.code === "WFX_NO_ROUTE";
    // Lost before it started: its node is asked whether it ever had it (a paused node may still run it when it wakes).
    if (lost && remote !== undefined && !remote.started && !remote.lost && deps.probe !== undefined) {
      state.remote = remote;
      remote.lost = true;
      remote.asking = true;
      const run = state.runs;
      const epoch = deps.reconnects?.() ?? 0;
      ctx.pipeToSelf(deps.probe(state.node!, remote.key), (answer) => ({ type: "probed", run, epoch, answer }), () => ({ type: "probed", run, epoch, answer: { state: "no_answer" } }));
      return;
    }
    // A lost node is worth another try elsewhere; whether it gets one is the step's retry policy.
    ctx.fail(lost ? new StepFailedError({ code: "WFX_STEP_NODE_LOST", message: `node '${state.node}' running step '${order.stepId}' was lost: ${cause.message}`, hint: "give the step `retry:` to run it again on another fitting node", retryable: true }) : new StepFailedError(cause));
  }

  /** Proven never to have started (its process gone, or alive and without it): placed again at once, without spending a retry. */
  function neverStarted(state: State, ctx: ActorContext<Message>, why: string): void {
    if (state.child !== undefined) ctx.stop(state.child);
    state.child = undefined;
    state.remote = undefined;
    if (state.node !== undefined) state.suspects.set(state.node, ctx.system.clock.now());
    report(ctx, { type: "step_progress", slot: order.slot, data: { kind: "replaced", message: `node '${state.node}' ${why} before the step started there; placed again without spending a retry` } });
    tryPlace(state, ctx);
  }

  /** The node was declared lost with the step not started, and its answer proves nothing: that cost an attempt. */
  function lostForGood(state: State, ctx: ActorContext<Message>, why: string): void {
    childEnded(state, ctx, { code: "WFX_ACTOR_SYSTEM_DOWN", message: why, retryable: true });
  }

  /** Asks the step's node how it is doing when NATS came back, when it is slow to start, and now and then anyway. */
  function watch(state: State, run: number, ctx: ActorContext<Message>): void {
    const remote = state.remote;
    if (run !== state.runs || remote === undefined || deps.probe === undefined) return;
    ctx.scheduleOnce(WATCH_MS, { type: "watch", run });
    const now = ctx.system.clock.now();
    const epoch = deps.reconnects?.() ?? 0;
    // After a reconnect it asks until it gets an answer (the other node may resubscribe a moment later), once a second.
    const due = (epoch !== remote.epoch && now - remote.askedMs >= RETRY_PROBE_MS) || (!remote.started && now - remote.sentMs >= START_PROBE_MS) || now - remote.askedMs >= SAFETY_PROBE_MS;
    if (!due || remote.asking) return;
    remote.asking = true;
    const node = state.node!;
    ctx.pipeToSelf(deps.probe(node, remote.key), (answer) => ({ type: "probed", run, epoch, answer }), () => ({ type: "probed", run, epoch, answer: { state: "no_answer" } }));
  }

  function probed(state: State, message: { run: number; epoch: number; answer: ProbeAnswer }, ctx: ActorContext<Message>): void {
    const remote = state.remote;
    if (message.run !== state.runs || remote === undefined) return;
    remote.asking = false;
    // A "no responders" right after this node reconnected may only mean the other has not resubscribed yet.
    const answer0 = message.answer.state === "no_node" && deps.heardSinceConnected?.(state.node!) !== true ? { state: "no_answer" as const } : message.answer;
    remote.askedMs = ctx.system.clock.now();
    // An answer settles what a reconnect put in doubt; silence does not.
    if (answer0.state !== "no_answer") remote.epoch = message.epoch;
    const answer = answer0;
    const startedNow = () => {
      if (remote.started) return;
      remote.started = true;
      report(ctx, { type: "step_started", slot: order.slot, attempt: remote.attempt, node: state.node! });
    };
    switch (answer.state) {
      case "running":
        startedNow();
        // Declared lost by its beats, yet it runs: the link to it is gone, so this attempt is lost all the same.
        if (remote.lost) lostForGood(state, ctx, "its beats stopped while the step ran there");
        return;
      case "ended":
        startedNow();
        if ("report" in answer.outcome) {
          if (!remote.final) report(ctx, answer.outcome.report);
          childEnded(state, ctx, undefined);
        } else {
          childEnded(state, ctx, answer.outcome.crashed);
        }
        return;
      case "gone":
        childEnded(state, ctx, { code: "WFX_ACTOR_SYSTEM_DOWN", message: "it stopped there before it ended", retryable: true });
        return;
      case "unknown":
      case "no_node": {
        const why = answer.state === "no_node" ? "its process is gone" : "it no longer knows the step (it restarted, or never got it)";
        if (!remote.started) neverStarted(state, ctx, answer.state === "no_node" ? "died" : "never got it");
        else childEnded(state, ctx, { code: "WFX_ACTOR_SYSTEM_DOWN", message: why, retryable: true });
        return;
      }
      case "no_answer":
        if (remote.lost) lostForGood(state, ctx, "its beats stopped and it does not answer");
        return;
    }
  }

  /** A place under each limited tag (waiting, pending, while the cluster has none free); then placement. */
  function askLimits(state: State, ctx: ActorContext<Message>): void {
    state.limits = "asking";
    const token = {};
    state.ask = { token, release: deps.tagLimits!.acquire(limitedTags, { priority: order.priority ?? 5, step: `${order.executionId}/${order.stepId}` }, (limit) => ctx.self.tell({ type: "limit", token, state: limit })) };
  }

  function limitChanged(state: State, limit: TagLimitState, ctx: ActorContext<Message>): void {
    if (limit.granted) {
      // The placement timeout counts from here: waiting for a limit is not "no node fits".
      state.limits = "held";
      state.since = ctx.system.clock.now();
      state.toldPending = false;
      return tryPlace(state, ctx);
    }
    report(ctx, { type: "step_progress", slot: order.slot, data: { kind: "pending", message: limit.message } });
  }

  return {
    start(ctx) {
      const state: State = { child: undefined, node: undefined, since: ctx.system.clock.now(), toldPending: false, release: undefined, runs: 0, remote: undefined, suspects: new Map(), dispatch: undefined, limits: limitedTags.length > 0 ? "unasked" : "held", ask: undefined };
      tryPlace(state, ctx);
      return state;
    },
    receive(state, message, ctx) {
      if (message.type === "limit") {
        if (message.token === state.ask?.token) limitChanged(state, message.state, ctx);
      } else if (message.type === "place") tryPlace(state, ctx);
      else if (message.type === "watch") watch(state, message.run, ctx);
      else if (message.type === "probed") probed(state, message, ctx);
      else {
        // A report of a dispatch given up on (its node declared lost, then woken): not this step's any more.
        if (message.dispatch !== undefined && message.dispatch !== state.dispatch) return state;
        if (state.remote !== undefined && message.type === "step_started") state.remote.started = true;
        if (state.remote !== undefined && (message.type === "step_output" || message.type === "step_failed")) state.remote.final = true;
        report(ctx, message);
      }
      return state;
    },
    onSignal(state, signal: Signal, ctx) {
      if (signal.type !== "terminated" || signal.ref !== state.child) return state;
      childEnded(state, ctx, signal.error === undefined ? undefined : toStepErrorInfo(signal.error));
      return state;
    },
    stopped(state) {
      state.release?.();
      state.ask?.release();
    },
  };
}
