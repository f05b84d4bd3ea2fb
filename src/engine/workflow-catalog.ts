import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { loadAndValidate } from "../config/index.js";
import { compileGlob } from "../tools/index.js";
import { given } from "../present.js";

export interface WorkflowListing {
  name: string;
  file: string;
  steps: number;
  description?: string;
}

/** The `list_workflows` answer of the source document: workflows found under a folder, and how many. */
export interface ListWorkflowsResult {
  config_path: string;
  pattern: string;
  workflows: WorkflowListing[];
  total_count: number;
  /** Files that matched the pattern but are not valid workflow files, with the first problem. */
  invalid_files: { file: string; error: string }[];
}

/** Which files a workflow folder offers unless a pattern is given. */
export const DEFAULT_WORKFLOW_PATTERN = "**/*.{yaml,yml}";
const SKIPPED_DIRS = new Set(["node_modules", ".git"]);

async function walk(dir: string, root: string, found: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) await walk(path, root, found);
    else if (entry.isFile()) found.push(relative(root, path));
  }
}

/** Lists every workflow of every valid file under `dir` whose path (relative to `dir`) matches `pattern`. */
export async function listWorkflows(dir: string, pattern = DEFAULT_WORKFLOW_PATTERN): Promise<{ missing: boolean; result: ListWorkflowsResult }> {
  const result: ListWorkflowsResult = { config_path: dir, pattern, workflows: [], total_count: 0, invalid_files: [] };
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) return { missing: true, result };
  const files: string[] = [];
  await walk(dir, dir, files);
  // A bare `*.yaml` means at any depth, as users of the source document's `pattern="*.yaml"` expect.
  const matcher = compileGlob(pattern.includes("/") ? pattern : `**/${pattern}`);
  for (const file of files.filter((f) => matcher.matches(f.split(sep))).sort()) {
    const { file: parsed, problems } = await loadAndValidate(join(dir, file));
    if (!parsed || problems.length > 0) {
      result.invalid_files.push({ file, error: problems[0] ? `${problems[0].code}: ${problems[0].message}` : "not a workflow file" });
      continue;
    }
    for (const [name, workflow] of Object.entries(parsed.workflows)) {
      result.workflows.push({ name, file, steps: workflow.steps.length, ...given({ description: workflow.description }) });
    }
  }
  result.total_count = result.workflows.length;
  return { missing: false, result };
}
