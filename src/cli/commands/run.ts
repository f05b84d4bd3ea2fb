import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveDataDir } from "../../engine/internal.js";
import type { Budget } from "../../config/index.js";
import type { Complexity } from "../../generator/index.js";
import type { ExecuteRequest, ExecutionClient, ExecutionMode, NodeEngine, StartedExecution } from "../../engine/internal.js";
import { CliError } from "../cli-error.js";
import { EXIT, exitCodeFor } from "../exit-codes.js";
import { openAgentRuntime } from "../agent-runtime.js";
import { reportOutcome } from "../outcome.js";
import { createProgressView, viewKindFor } from "../progress-view.js";
import { loadWorkflowSource, parseInput } from "../workflow-input.js";
import { claimRunKey, type RunKeyClaim } from "../run-key.js";
import { follow } from "./status.js";
import type { Io } from "../io.js";
import { given } from "../../present.js";
import { LOCAL_PRINCIPAL } from "../../gateway/auth/principal.js";
import { shownTicket, ticketFor } from "../../gateway/operations/queue-tickets.js";

export interface RunOptions {
  file: string;
  workflow?: string;
  input?: string;
  mode: ExecutionMode;
  timeout?: number;
  json: boolean;
  dataDir?: string;
  /** `--describe`: generate the workflow from this description first (then `file` is where it was saved). */
  describe?: string;
  complexity?: Complexity;
  /** With `--describe`: where to save the generated file (default: the data dir's `generated/`). */
  out?: string;
  /** `--env`: the environment section laid over the file (default `$WFX_ENV`). */
  environment?: string;
  /** `--override`: JSON (or @file) deep-merged onto agents/tools/workflows for this run. */
  override?: string;
  /** `--idempotency-key`: a run repeated with it follows the execution the first one started instead of starting another. */
  idempotencyKey?: string;
  /** `--budget`: limits for this run; they may lower the workflow's budget, never raise it. */
  budget?: Budget;
  /** `--priority`: 0-9, as a gateway request's `priority` (default the workflow's `priority:`, else 5). */
  priority?: number;
}

/** What the background process of `--mode async` tells the command that started it. */
interface BackgroundReply {
  executionId?: string;
  status?: string;
  error?: string;
  code?: string;
  hint?: string;
}

const MODES: readonly ExecutionMode[] = ["sync", "async", "isolated"];
const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

export function checkMode(mode: string): ExecutionMode {
  if (!(MODES as readonly string[]).includes(mode)) throw new CliError(`unknown mode '${mode}'`, { hint: `use one of: ${MODES.join(", ")}` });
  return mode as ExecutionMode;
}

async function prepare(options: RunOptions) {
  const source = await loadWorkflowSource(options.file, { env: process.env });
  const names = Object.keys(source.file.workflows);
  if (options.workflow !== undefined && !names.includes(options.workflow)) {
    throw new CliError(`${options.file} has no workflow '${options.workflow}'`, { hint: `workflows in this file: ${names.join(", ")}` });
  }
  const input = await parseInput(options.input);
  const configOverride = options.override === undefined ? undefined : await parseInput(options.override);
  return { source, input, workflowName: options.workflow ?? names[0]!, configOverride };
}

/** What to ask the runtime to run: the prepared file and input, with the options' mode, timeout, environment and override. */
function runRequest(options: RunOptions, prepared: Awaited<ReturnType<typeof prepare>>): ExecuteRequest {
  return {
    source: prepared.source,
    workflowName: prepared.workflowName,
    input: prepared.input,
    mode: options.mode,
    ...given({ timeoutS: options.timeout, environment: options.environment, configOverride: prepared.configOverride, budget: options.budget }),
    // The ticket a gateway gives its requests, for the local user (no token: no max_running or max_priority).
    ticket: shownTicket(ticketFor(prepared.workflowName, prepared.source.file.workflows[prepared.workflowName], prepared.input, LOCAL_PRINCIPAL, options.priority)),
  };
}

/** With `--idempotency-key`: the id to start the run with, or the execution the key already started. */
function claimKey(runtime: Pick<NodeEngine, "store" | "status">, options: RunOptions, prepared: Awaited<ReturnType<typeof prepare>>): Promise<RunKeyClaim | undefined> {
  if (options.idempotencyKey === undefined) return Promise.resolve(undefined);
  const { source, workflowName, input, configOverride } = prepared;
  return claimRunKey(runtime, options.idempotencyKey, { file: source.path ?? options.file, workflowName, input, mode: options.mode, timeoutS: options.timeout, environment: options.environment, configOverride, ...given({ budget: options.budget }) });
}

/** Starts the run under the key's id; a start that fails gives the key back, since nothing ran under it. */
function startKeyed(runtime: ExecutionClient, request: ExecuteRequest, claim: RunKeyClaim | undefined): StartedExecution {
  try {
    return runtime.start({ ...request, ...(claim === undefined ? {} : { executionId: claim.executionId }) });
  } catch (error) {
    if (claim?.existing === undefined) void claim?.forget().catch(() => undefined);
    throw error;
  }
}

/** `--describe`: generates the workflow, saves it, and returns its path; a workflow that does not validate is not run. */
async function generateForRun(options: RunOptions, io: Io): Promise<string> {
  const { cliGenerator, describeProblems, generatedPath, saveGenerated } = await import("./generate.js");
  const result = await cliGenerator().generate({ workflow_description: options.describe!, ...given({ complexity: options.complexity }) });
  io.err.write(`${result.message}\n`);
  if (result.validation_status !== "valid") throw new CliError(`the generated workflow does not validate, so it was not run:\n${describeProblems(result)}`, { exitCode: EXIT.failed });
  const path = await saveGenerated(result, options.out ?? generatedPath(options.dataDir ?? resolveDataDir(), result.workflow_name), false);
  io.err.write(`generated ${path}\n`);
  return path;
}

/** Runs a workflow here and now (sync or isolated), with live progress, and exits with a code that says how it ended. */
async function runHere(options: RunOptions, io: Io, runtime: NodeEngine, prepared: Awaited<ReturnType<typeof prepare>>): Promise<number> {
  const claim = await claimKey(runtime, options, prepared);
  if (claim?.existing !== undefined) return follow(runtime, claim.existing, options.json, io);
  const view = createProgressView(viewKindFor(options.json, io), io);
  // The id before anything else (steps may start before `start` returns): `wfx status` / `wfx cancel` from another terminal need it.
  const executionId = claim?.executionId ?? randomUUID();
  if (!options.json) io.err.write(`execution ${executionId}\n`);
  const started = startKeyed(runtime, { ...runRequest(options, prepared), executionId, onEvent: (e, r) => view.onEvent(e, r) }, claim);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    void runtime.cancel(started.executionId, "interrupted (Ctrl-C)");
  };
  process.once("SIGINT", onSigint);
  const record = await started.done;
  process.off("SIGINT", onSigint);
  view.end(record);
  const code = reportOutcome(record, options.json, io);
  return interrupted ? EXIT.interrupted : code;
}

/** `--mode async` from a terminal: a detached background process owns the execution; this one prints its id and leaves. */
async function runInBackground(options: RunOptions, io: Io): Promise<number> {
  const args = ["run", options.file, "--mode", "async", "--background"];
  if (options.workflow !== undefined) args.push("--workflow", options.workflow);
  if (options.input !== undefined) args.push("--input", options.input);
  if (options.timeout !== undefined) args.push("--timeout", String(options.timeout));
  if (options.dataDir !== undefined) args.push("--data-dir", options.dataDir);
  if (options.environment !== undefined) args.push("--env", options.environment);
  if (options.override !== undefined) args.push("--override", options.override);
  if (options.idempotencyKey !== undefined) args.push("--idempotency-key", options.idempotencyKey);
  if (options.budget !== undefined) args.push("--budget", JSON.stringify(options.budget));
  if (options.priority !== undefined) args.push("--priority", String(options.priority));
  const child = fork(MAIN, args, { detached: true, stdio: ["ignore", "ignore", "ignore", "ipc"] });
  const reply = await new Promise<BackgroundReply>((resolve) => {
    child.once("message", (m) => resolve(m as BackgroundReply));
    child.once("exit", (code) => resolve({ error: `background process exited with code ${code} before starting` }));
  });
  child.disconnect();
  child.unref();
  // Said as main's report says a WFX error: the message, then its code.
  if (reply.error !== undefined) throw new CliError(reply.code === undefined ? reply.error : `${reply.error} [${reply.code}]`, { exitCode: reply.code === "WFX_IDEMPOTENCY_KEY_REUSED" ? EXIT.badInput : EXIT.failed, ...given({ hint: reply.hint }) });
  if (options.json) io.out.write(`${JSON.stringify({ execution_id: reply.executionId, status: reply.status ?? "running", execution_mode: "async" })}\n`);
  else io.out.write(`${reply.executionId}\n`);
  if (!options.json) io.err.write(`started in the background; follow it with: wfx status ${reply.executionId} --follow\n`);
  return EXIT.ok;
}

/** The background side of `--mode async`: starts the execution, tells the parent its id, runs it to the end. */
async function runAsBackground(options: RunOptions): Promise<number> {
  try {
    const prepared = await prepare(options);
    const runtime = await openAgentRuntime(options.dataDir, dirname(prepared.source.path!));
    const claim = await claimKey(runtime, options, prepared);
    if (claim?.existing !== undefined) {
      // An earlier run with this key started it (and may still run it): its id is the answer, and this process is done.
      process.send?.({ executionId: claim.executionId, status: claim.existing.status });
      process.disconnect?.();
      await runtime.close();
      return EXIT.ok;
    }
    const started = startKeyed(runtime, runRequest(options, prepared), claim);
    // The id is told only once the execution is on disk: whoever hears of it can find it, even after a crash.
    await runtime.persisted();
    process.send?.({ executionId: started.executionId });
    process.disconnect?.();
    const record = await started.done;
    await runtime.close();
    return exitCodeFor(record.status);
  } catch (error) {
    const { message, code, hint } = error as { message: string; code?: unknown; hint?: unknown };
    process.send?.({ error: message, ...(typeof code === "string" ? { code } : {}), ...(typeof hint === "string" ? { hint } : {}) });
    return EXIT.failed;
  }
}

export async function runCommand(given: RunOptions & { background?: boolean }, io: Io): Promise<number> {
  const options = given.describe === undefined ? given : { ...given, file: await generateForRun(given, io) };
  if (options.background) return runAsBackground(options);
  const prepared = await prepare(options);
  if (options.mode === "async") return runInBackground(options, io);
  const runtime = await openAgentRuntime(options.dataDir, dirname(prepared.source.path!));
  try {
    return await runHere(options, io, runtime, prepared);
  } finally {
    await runtime.close();
  }
}
