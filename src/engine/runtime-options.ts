import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { processOwnerAlive, type OwnerAlive } from "./owner-liveness.js";
import type { ResumePolicy } from "./orphans.js";
import type { ExecutionRecord, ExecutionStore } from "./types.js";
import type { ToolRegistry } from "../tools/index.js";
import { defaultToolRegistry } from "../tools/index.js";
import { localModelRateLimiter, resolveAgentOptions, type AgentOptions, type ModelRateLimiter } from "../agents/index.js";
import { defaultCallerPolicy, type CallerPolicy, type PriceTable } from "../config/index.js";
import { resolveLimitsOptions, type LimitsOptions } from "./limits-options.js";
import type { StepHostFactory } from "./step-host.js";

export interface IsolatedOptions {
  /** Heap cap of each isolated process (V8 old space), in MiB. */
  memoryMb: number;
  /** Processes kept started and waiting, so a launch does not pay for a Node start. */
  warmSpares: number;
  /** After a cancel or timeout, how long the process gets to stop on its own before SIGKILL. */
  killGraceMs: number;
  /** Environment variables passed through to isolated processes; everything else is scrubbed. */
  envAllowlist: readonly string[];
}

export interface RuntimeOptions {
  /** Where records and events go; an embedded on-disk store by default. */
  store: ExecutionStore;
  nodeId: string;
  tools: ToolRegistry;
  /** What `${env.NAME}` reads. */
  env: Record<string, string | undefined>;
  isolated: IsolatedOptions;
  /** Applied when neither the request nor the workflow sets a timeout; undefined = none. */
  defaultTimeoutS: number | undefined;
  /** With an embedded store: lets `cancel` reach executions owned by another process on this machine. */
  dataDir: string | undefined;
  /** Model-call and tool-loop defaults for agent steps. */
  agents: Readonly<AgentOptions>;
  /** What workflows callers send may declare (sources with origin `caller`); deny by default. */
  callerPolicy: CallerPolicy;
  /** Input, inline-workflow and for_each caps (see limits-options.ts). */
  limits: Readonly<LimitsOptions>;
  /** What `recoverOrphans` does with an execution whose owning process died: continue it (default) or end it failed. */
  resumePolicy: ResumePolicy;
  /** Where step actors run; undefined: here, as children of their supervisor. A cluster passes one that places them. */
  stepHost: StepHostFactory | undefined;
  /** Whether an execution's owning process lives (default: its pid, on this machine); a cluster asks its registry. */
  ownerAlive: OwnerAlive;
  /** Whether this process should take over an orphan (a cluster node only one its placement fits); default: every one. */
  mayAdopt: (record: ExecutionRecord) => boolean;
  /** This process's incarnation, kept in the resume spec of what it owns: a node restarted under the same id is another owner. */
  instanceId: string;
  /** The operator's workflow folders: an adopted execution of an operator's workflow runs from the same place in them. */
  workflowFolders: readonly string[];
  /** Model prices (the node profile's `prices`): ended records' usage gets an estimated cost; empty: none. */
  prices: PriceTable;
  /** Where agents' model calls wait for their share of endpoints' limits: the cluster's, or this process's (no limits, 429 pauses shared). */
  modelRateLimiter: ModelRateLimiter;
}

export const DEFAULT_ISOLATED_OPTIONS: IsolatedOptions = Object.freeze({
  memoryMb: 512,
  warmSpares: 1,
  killGraceMs: 2000,
  envAllowlist: Object.freeze(["PATH", "LANG", "LC_ALL", "TZ", "NODE_ENV"]),
});

export function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`;
}

/** What a runtime is given: everything but the store may be left out, and limits may be given one by one. */
export type RuntimeOptionsInput = Partial<Omit<RuntimeOptions, "limits">> & Pick<RuntimeOptions, "store"> & { limits?: Partial<LimitsOptions> };

/** Fills defaults and freezes; nothing else in the engine falls back on its own. */
export function resolveRuntimeOptions(options: RuntimeOptionsInput): Readonly<RuntimeOptions> {
  return Object.freeze({
    store: options.store,
    nodeId: options.nodeId ?? defaultNodeId(),
    tools: options.tools ?? defaultToolRegistry(),
    env: options.env ?? process.env,
    isolated: Object.freeze({ ...DEFAULT_ISOLATED_OPTIONS, ...options.isolated }),
    defaultTimeoutS: options.defaultTimeoutS,
    dataDir: options.dataDir,
    agents: resolveAgentOptions(options.agents),
    callerPolicy: options.callerPolicy ?? defaultCallerPolicy(),
    limits: resolveLimitsOptions(options.limits),
    resumePolicy: options.resumePolicy ?? "resume",
    stepHost: options.stepHost,
    ownerAlive: options.ownerAlive ?? processOwnerAlive,
    instanceId: options.instanceId ?? randomUUID(),
    mayAdopt: options.mayAdopt ?? (() => true),
    workflowFolders: Object.freeze([...(options.workflowFolders ?? [])]),
    prices: Object.freeze({ ...options.prices }),
    modelRateLimiter: options.modelRateLimiter ?? localModelRateLimiter([]),
  });
}
