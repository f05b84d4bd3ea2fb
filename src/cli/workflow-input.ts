import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { formatProblems, loadAndValidate, type Problem } from "../config/index.js";
import type { WorkflowSource } from "../engine/internal.js";
import { CliError } from "./cli-error.js";

/** A file that is not there (or not a file) is that, said plainly, not "a workflow file with 1 problem". */
export function unreadableFile(path: string, problems: readonly Problem[]): CliError | undefined {
  const problem = problems.find((p) => p.code === "WFX_FILE_NOT_FOUND" || p.code === "WFX_FILE_UNREADABLE");
  if (problem === undefined) return undefined;
  return new CliError(problem.code === "WFX_FILE_NOT_FOUND" ? `${path} does not exist` : `cannot read ${path}: ${problem.message}`, { hint: problem.hint });
}

/**
 * Loads and validates a workflow file, turning every problem into one CliError listing them all. With `env`, agent
 * steps must have a model endpoint in it, so a run fails up front rather than at its first agent step.
 */
export async function loadWorkflowSource(path: string, options: { env?: Record<string, string | undefined> } = {}): Promise<WorkflowSource> {
  const absolute = resolve(path);
  const { file, problems } = await loadAndValidate(absolute, options.env === undefined ? {} : { env: options.env });
  const unreadable = unreadableFile(path, problems);
  if (unreadable) throw unreadable;
  if (!file || problems.length > 0) {
    throw new CliError(`${path} is not a valid workflow file (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${formatProblems(problems, path)}`);
  }
  return { file, path: absolute };
}

/** `--input` is JSON text, or `@file` holding JSON. */
export async function parseInput(raw: string | undefined): Promise<unknown> {
  if (raw === undefined) return undefined;
  let text = raw;
  let origin = "--input";
  if (raw.startsWith("@")) {
    origin = raw.slice(1);
    try {
      text = await readFile(origin, "utf8");
    } catch (error) {
      throw new CliError(`cannot read input file ${origin}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: "--input @FILE names a JSON file" });
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${origin} is not valid JSON: ${(error as Error).message}`, {
      hint: `pass JSON, e.g. --input '{"file_path": "docs/a.md"}', or --input @input.json`,
    });
  }
}
