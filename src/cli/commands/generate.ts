import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createWorkflowGenerator, explanationLines, type Complexity, type GenerateWorkflowResult, type WorkflowGenerator } from "../../generator/index.js";
import { CliError } from "../cli-error.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { given } from "../../present.js";

export interface GenerateOptions {
  description: string;
  complexity?: Complexity;
  name?: string;
  out?: string;
  force: boolean;
  template: boolean;
  json: boolean;
  /** `--tags`, comma-separated: the node it will run on; else WFX_NODE_TAGS; neither: placement is not checked. */
  tags?: string;
}


/** The generator the CLI uses: a model when `OPENAI_BASE_URL` / `OPENAI_API_KEY` is set, else templates. */
export function cliGenerator(): WorkflowGenerator {
  return createWorkflowGenerator({ env: process.env });
}

/** Writes a generated workflow file, refusing to replace an existing one unless told to. */
export async function saveGenerated(result: GenerateWorkflowResult, path: string, force: boolean): Promise<string> {
  const absolute = resolve(path);
  if (existsSync(absolute) && !force) throw new CliError(`${path} already exists`, { hint: "pass --force to replace it, or choose another --out" });
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, result.workflow_yaml, "utf8");
  return absolute;
}

/** Where `wfx run --describe` keeps a generated workflow when no --out is given. */
export function generatedPath(dataDir: string, name: string): string {
  return join(dataDir, "generated", `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.yaml`);
}

export function describeProblems(result: GenerateWorkflowResult): string {
  return result.validation_errors.map((p) => `  ${p.code} ${p.path || "(file)"}: ${p.message}\n    hint: ${p.hint}`).join("\n");
}

/** `wfx generate "DESCRIPTION"`: prints (or saves) a workflow file that validates, or says why there is none. */
export async function generateCommand(options: GenerateOptions, io: Io): Promise<number> {
  const tags = options.tags ?? (process.env["WFX_NODE_TAGS"] || undefined);
  const result = await cliGenerator().generate({
    workflow_description: options.description,
    ...given({ complexity: options.complexity, workflow_name: options.name }),
    ...(options.template ? { planner: "template" as const } : {}),
  }, tags === undefined ? {} : { nodes: [{ id: "this node", tags: tags.split(",").map((t) => t.trim()).filter((t) => t !== "") }] });
  const valid = result.validation_status === "valid";
  const saved = valid && options.out !== undefined ? await saveGenerated(result, options.out, options.force) : undefined;
  if (options.json) {
    io.out.write(`${JSON.stringify({ ...result, ...given({ workflow_file: saved }) })}\n`);
  } else {
    if (valid && saved === undefined) io.out.write(result.workflow_yaml);
    io.err.write(`${result.message}\n`);
    if (valid && (result.explanation ?? []).length > 0) io.err.write(`where each part came from:\n${explanationLines(result.explanation!).join("\n")}\n`);
    for (const warning of result.warnings ?? []) io.err.write(`warning: ${warning}\n`);
    if (saved !== undefined) io.err.write(`saved to ${saved}; run it with: wfx run ${options.out}\n`);
    if (!valid) io.err.write(`${describeProblems(result)}\n`);
  }
  if (valid) return EXIT.ok;
  return result.validation_errors.some((p) => p.code === "WFX_GENERATION_BAD_REQUEST") ? EXIT.badInput : EXIT.failed;
}
