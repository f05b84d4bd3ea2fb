import { stat } from "node:fs/promises";
import { join, relative, resolve, isAbsolute } from "node:path";
import { closestMatch, WorkflowInvalidError, formatProblems, loadAndValidate } from "../../config/index.js";
import type { WorkflowSource } from "../../engine/internal.js";
import { DEFAULT_WORKFLOW_PATTERN, listWorkflows } from "../../engine/workflow-catalog.js";
import { GatewayError } from "../errors.js";
import type { ListWorkflowsAnswer } from "./schemas.js";
import type { NamedFolder } from "./server-paths.js";

/** An unknown name triggers a rescan at most this often, so guessing names cannot keep the node reading files. */
const RESCAN_INTERVAL_MS = 1000;
/** A cached file is checked for changes (one stat) at most this often. */
const RECHECK_INTERVAL_MS = 1000;

interface CachedFile {
  source: WorkflowSource;
  mtimeMs: number;
  size: number;
  checkedAt: number;
}

/** The node's workflow directories: finds a workflow by name (files are cached and reloaded when they change). */
export class WorkflowDirectory {
  readonly dirs: readonly string[];
  /** The names answers give the directories instead of their paths (see ServerPaths); config_path accepts them too. */
  readonly folders: readonly NamedFolder[];
  readonly #index = new Map<string, string>();
  readonly #files = new Map<string, CachedFile>();
  #scannedAt = -Infinity;
  #scanning: Promise<void> | undefined;

  constructor(dirs: readonly string[]) {
    this.dirs = Object.freeze(dirs.map((d) => resolve(d)));
    this.folders = Object.freeze(this.dirs.map((path, i) => ({ path, name: this.dirs.length === 1 ? "<workflows>" : `<workflows-${i + 1}>` })));
  }

  /** Re-reads every directory; the first file that defines a name wins. */
  refresh(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  names(): string[] {
    return [...this.#index.keys()].sort();
  }

  /** The file holding workflow `name`; a not-found answer suggests and lists only the names `visible` lets through. */
  async resolve(name: string, visible: (name: string) => boolean = () => true): Promise<{ source: WorkflowSource; workflowName: string }> {
    let path = this.#index.get(name);
    if (path === undefined && Date.now() - this.#scannedAt >= RESCAN_INTERVAL_MS) {
      await this.refresh();
      path = this.#index.get(name);
    }
    if (path === undefined) throw this.#notFound(name, visible);
    let source = await this.#load(path);
    if (!Object.hasOwn(source.file.workflows, name)) {
      await this.refresh();
      const moved = this.#index.get(name);
      if (moved === undefined) throw this.#notFound(name, visible);
      source = await this.#load(moved);
    }
    return { source, workflowName: name };
  }

  /** The source document's `list_workflows`, over all directories or the one `configPath` names. */
  async list(configPath: string | undefined, pattern: string | undefined): Promise<ListWorkflowsAnswer> {
    const dirs = configPath === undefined ? this.dirs : [this.#served(configPath)];
    const answer: ListWorkflowsAnswer = { directories: [...dirs], pattern: pattern ?? DEFAULT_WORKFLOW_PATTERN, workflows: [], total_count: 0, invalid_files: [] };
    for (const dir of dirs) {
      const { result } = await listWorkflows(dir, pattern);
      for (const w of result.workflows) answer.workflows.push({ ...w, directory: dir });
      for (const bad of result.invalid_files) answer.invalid_files.push({ ...bad, directory: dir });
    }
    answer.total_count = answer.workflows.length;
    return answer;
  }

  #served(configPath: string): string {
    const named = this.folders.find((f) => configPath === f.name || configPath.startsWith(`${f.name}/`));
    const wanted = named === undefined ? resolve(this.dirs[0] ?? ".", configPath) : join(named.path, configPath.slice(named.name.length));
    const owner = this.dirs.find((d) => {
      const rel = relative(d, wanted);
      return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
    });
    if (owner === undefined) {
      throw new GatewayError("WFX_DIRECTORY_NOT_SERVED", `config_path '${configPath}' is not inside the node's workflow directories`, {
        hint: this.dirs.length > 0 ? `use one of: ${this.dirs.join(", ")} (or leave config_path out)` : "start the node with --workflows DIR",
      });
    }
    return wanted;
  }

  async #scan(): Promise<void> {
    const index = new Map<string, string>();
    for (const dir of this.dirs) {
      const { result } = await listWorkflows(dir);
      for (const w of result.workflows) if (!index.has(w.name)) index.set(w.name, join(dir, w.file));
    }
    this.#index.clear();
    for (const [name, path] of index) this.#index.set(name, path);
    this.#scannedAt = Date.now();
  }

  async #load(path: string): Promise<WorkflowSource> {
    const cached = this.#files.get(path);
    const now = Date.now();
    if (cached && now - cached.checkedAt < RECHECK_INTERVAL_MS) return cached.source;
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) {
      this.#files.delete(path);
      await this.refresh();
      throw new GatewayError("WFX_UNKNOWN_WORKFLOW", `workflow file ${path} disappeared`, { hint: "call list_workflows to see what the node offers now" });
    }
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      cached.checkedAt = now;
      return cached.source;
    }
    const { file, problems } = await loadAndValidate(path);
    if (!file || problems.length > 0) throw new WorkflowInvalidError(path, problems, formatProblems(problems, path));
    const source: WorkflowSource = { file, path };
    this.#files.set(path, { source, mtimeMs: info.mtimeMs, size: info.size, checkedAt: now });
    return source;
  }

  #notFound(name: string, visible: (name: string) => boolean): GatewayError {
    const names = this.names().filter(visible);
    const match = closestMatch(name, names);
    return new GatewayError("WFX_UNKNOWN_WORKFLOW", `no workflow '${name}' in the node's workflow directories${match === undefined ? "" : `; did you mean '${match}'?`}`, {
      hint: names.length > 0 ? `workflows here: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", …" : ""}` : this.dirs.length > 0 ? `no valid workflow files under ${this.dirs.join(", ")}` : "start the node with --workflows DIR, or send workflow_config / workflow_yaml",
    });
  }
}
