import { elapsedNow, type ExecutionEvent, type ExecutionRecord, type StepRecord } from "../engine/internal.js";
import type { Io } from "./io.js";

export type ViewKind = "tty" | "plain" | "json";

export interface ProgressView {
  onEvent(event: ExecutionEvent, record: ExecutionRecord): void;
  end(record: ExecutionRecord): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const MARK: Record<StepRecord["status"], string> = {
  pending: "·", running: "", retrying: "↻", completed: "✓", failed: "✗", skipped: "-", cancelled: "⊘", timeout: "⏱",
};
const RENDER_EVERY_MS = 80;

function seconds(s: number | undefined): string {
  return s === undefined ? "" : `${s.toFixed(2)}s`;
}

function errorText(step: StepRecord): string {
  return step.error ? `  ${step.error.message}` : "";
}

/** A live block of one line per step, redrawn in place on a terminal. */
function ttyView(out: NodeJS.WriteStream): ProgressView {
  let drawn = 0;
  let frame = 0;
  let last = 0;
  let latest: ExecutionRecord | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = (record: ExecutionRecord) => {
    frame = (frame + 1) % SPINNER.length;
    const nameWidth = Math.max(0, ...record.steps.map((s) => s.id.length));
    const now = Date.now() / 1000;
    const lines = [`${record.workflow_name}  ${record.status}  ${record.progress.message}  ${seconds(elapsedNow(record, now * 1000))}`];
    for (const step of record.steps) {
      const mark = step.status === "running" ? SPINNER[frame]! : MARK[step.status];
      const took = step.started === undefined ? "" : seconds((step.ended ?? now) - step.started);
      const attempt = step.attempts > 1 ? `  attempt ${step.attempts}` : "";
      lines.push(`  ${mark} ${step.id.padEnd(nameWidth)}  ${took}${attempt}${step.status === "completed" ? "" : errorText(step)}`);
    }
    out.write((drawn > 0 ? `\x1b[${drawn}F` : "") + lines.map((l) => `\x1b[2K${l}`).join("\n") + "\n");
    drawn = lines.length;
    last = Date.now();
  };
  return {
    onEvent(_event, record) {
      latest = record;
      if (Date.now() - last >= RENDER_EVERY_MS) draw(record);
      timer ??= setInterval(() => latest && draw(latest), RENDER_EVERY_MS).unref();
    },
    end(record) {
      clearInterval(timer);
      draw(record);
    },
  };
}

/** One line per event, for logs and pipes. */
function plainView(out: NodeJS.WritableStream): ProgressView {
  let startMs: number | undefined;
  return {
    onEvent(event) {
      startMs ??= event.time;
      if (event.type === "step.progress") return;
      const at = `+${((event.time - startMs) / 1000).toFixed(3)}s`;
      const data = event.data as Record<string, unknown> | undefined;
      const err = data?.["error"] as { message?: string } | undefined;
      const detail = event.type === "step.started" && (event.attempt ?? 1) > 1 ? ` (attempt ${event.attempt})`
        : event.type === "step.retrying" ? ` (attempt ${event.attempt} in ${data?.["delay_ms"]}ms after: ${err?.message})`
        : event.type === "execution.progress" ? ` ${data?.["completed_steps"]}/${data?.["total_steps"]}`
        : err?.message ? `: ${err.message}` : "";
      out.write(`${at} ${event.type}${event.step === undefined ? "" : ` ${event.step}`}${detail}\n`);
    },
    end() {},
  };
}

/** Events and the final record as JSON lines, for programs. */
function jsonView(out: NodeJS.WritableStream): ProgressView {
  return {
    onEvent(event) {
      out.write(`${JSON.stringify({ event })}\n`);
    },
    end() {},
  };
}

/** JSON lines when asked for, a live block on a terminal, plain lines in a pipe. */
export function viewKindFor(json: boolean, io: Io): ViewKind {
  return json ? "json" : io.out.isTTY ? "tty" : "plain";
}

/** JSON lines go to stdout (they are the output); the other views to stderr, keeping stdout for the result. */
export function createProgressView(kind: ViewKind, io: Io): ProgressView {
  return kind === "tty" ? ttyView(io.err) : kind === "json" ? jsonView(io.out) : plainView(io.err);
}
