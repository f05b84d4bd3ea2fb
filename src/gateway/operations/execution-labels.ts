import { AGENT_ENDPOINT_ENV, DEFAULT_AGENT_MODEL, fileSections, substituteSecrets, type PriceTable, type WorkflowFile } from "../../config/index.js";
import type { WorkflowSource } from "../../engine/internal.js";
import { OTHER_LABEL, type ExecutionLabels } from "../../observability/index.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Models the operator named in one file (all its environment sections), filled in as the node fills them; made once per file. */
const modelsOfFile = new WeakMap<WorkflowFile, ReadonlySet<string>>();

function fileModels(file: WorkflowFile, env: Env, nodeModels: ReadonlySet<string>): ReadonlySet<string> {
  let models = modelsOfFile.get(file);
  if (models === undefined) {
    const named = fileSections(file).flatMap(([section]) => (section.agents ?? []).flatMap((a) => (a.model === undefined ? [] : [substituteSecrets(a.model, env).value])));
    modelsOfFile.set(file, (models = new Set([...nodeModels, ...named])));
  }
  return models;
}

/**
 * Which names an execution's metrics may use as labels: the operator's (the node's default model and `OPENAI_MODEL`,
 * the prices table's models, the models of the operator's own file as it was written, before any override) and the
 * operator workflow's name. A workflow a caller sent names neither: its workflow and models count as `other`.
 */
export class ExecutionLabeller {
  readonly #env: Env;
  readonly #nodeModels: ReadonlySet<string>;

  constructor(env: Env, prices: PriceTable) {
    this.#env = env;
    const fromEnv = env[AGENT_ENDPOINT_ENV.model];
    this.#nodeModels = new Set([DEFAULT_AGENT_MODEL, ...(fromEnv === undefined || fromEnv === "" ? [] : [fromEnv]), ...Object.keys(prices)]);
  }

  labelsFor(source: WorkflowSource, workflowName: string): ExecutionLabels {
    if (source.origin === "caller") return { workflow: OTHER_LABEL, models: this.#nodeModels };
    return { workflow: workflowName, models: fileModels(source.file, this.#env, this.#nodeModels) };
  }
}
