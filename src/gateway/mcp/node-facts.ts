import { readFile } from "node:fs/promises";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { stringify } from "yaml";
import { requireNode, requireScopes, requireWorkflow, mayUseWorkflow, type Principal } from "../auth/index.js";
import { errorBody, eventAnswer, METHODS_BY_NAME, type ExecutionAnswer, type ExecutionEventAnswer, type ListExecutionsAnswer, type ListNodesAnswer, type Operations } from "../operations/index.js";
import { given } from "../../present.js";

/** A workflow as an MCP host is told about it: its name, what it does, and the file it lives in. */
export interface WorkflowFact {
  name: string;
  description?: string;
  steps?: number;
}

/** An execution as the caller may see it (its record) with the events recorded so far. */
export interface ExecutionFact {
  record: ExecutionAnswer;
  events: ExecutionEventAnswer[];
}

/** A WFX error as an MCP protocol error (invalid params), its code first and its hint in the text, the body as data. */
export function protocolError(error: unknown, operations: Operations): ProtocolError {
  const body = errorBody(error, operations.deps.paths);
  const hint = body["hint"] === undefined ? "" : ` (hint: ${String(body["hint"])})`;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `${String(body["code"])}: ${String(body["message"])}${hint}`, body);
}

/**
 * What prompts and resources read from the live node, always as the caller: through the same methods a tool call
 * runs (scopes, node tags, workflow limits and tenant visibility checked there, and audited), so a prompt can never
 * show what the caller's own `check_execution_status` would not.
 */
export class NodeFacts {
  readonly #operations: Operations;
  readonly #principal: Principal;
  readonly #gateway: string;

  constructor(operations: Operations, principal: Principal, gateway: string) {
    this.#operations = operations;
    this.#principal = principal;
    this.#gateway = gateway;
  }

  async #call<T>(method: string, args: Record<string, unknown>): Promise<T> {
    try {
      return (await this.#operations.call(method, args, { principal: this.#principal, gateway: this.#gateway })) as T;
    } catch (error) {
      throw protocolError(error, this.#operations);
    }
  }

  /** The workflows of the node's directories this caller may run. */
  async workflows(): Promise<WorkflowFact[]> {
    const answer = await this.#call<{ workflows: WorkflowFact[] }>("list_workflows", {});
    return answer.workflows.map((w) => ({ name: w.name, ...given({ description: w.description }), ...given({ steps: w.steps }) }));
  }

  /** The YAML file that defines workflow `name`, as its operator wrote it (the caller must be allowed that workflow). */
  async workflowYaml(name: string): Promise<string> {
    try {
      requireScopes(this.#principal, METHODS_BY_NAME.get("validate_workflow")!.scopes, "resources/read");
      const self = this.#operations.deps.registry.self();
      requireNode(this.#principal, self.id, self.tags);
      requireWorkflow(this.#principal, name);
      const { source } = await this.#operations.deps.workflows.resolve(name, (n) => mayUseWorkflow(this.#principal, n));
      if (source.path === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `workflow '${name}' has no file`);
      const names = Object.keys(source.file.workflows);
      if (names.every((n) => mayUseWorkflow(this.#principal, n))) return await readFile(source.path, "utf8");
      // A token limited to some workflows may not look into the file's others (list_workflows hides them too).
      const { agents, tools } = source.file;
      return `# workflow '${name}' of its file (the file's other workflows are not yours to see)\n${stringify({ ...given({ agents }), ...given({ tools }), workflows: { [name]: source.file.workflows[name] } })}`;
    } catch (error) {
      throw error instanceof ProtocolError ? error : protocolError(error, this.#operations);
    }
  }

  /** The execution's record, or undefined when there is none this caller may see (another tenant's reads as unknown). */
  async execution(executionId: string): Promise<ExecutionAnswer | undefined> {
    const answer = await this.#call<ExecutionAnswer>("check_execution_status", { execution_id: executionId });
    return answer.status === "not_found" ? undefined : answer;
  }

  /** The record and its events so far (the last `maxEvents`), or undefined as for `execution`. */
  async executionWithEvents(executionId: string, maxEvents = 200): Promise<ExecutionFact | undefined> {
    const record = await this.execution(executionId);
    if (record === undefined) return undefined;
    // Visible, as `execution` just checked: all its events at once (watch_execution pages from the first, and a
    // failure is among the last).
    const events = await this.#operations.deps.client.events(executionId, 0);
    return { record, events: events.slice(-maxEvents).map((e) => eventAnswer(e, this.#operations.deps.paths)) };
  }

  /** The caller's recent executions, newest first. */
  async recentExecutions(limit: number): Promise<ListExecutionsAnswer["executions"]> {
    return (await this.#call<ListExecutionsAnswer>("list_executions", { limit })).executions;
  }

  /** The nodes of the cluster the caller may use, with their tags. */
  async nodes(): Promise<ListNodesAnswer["nodes"]> {
    return (await this.#call<ListNodesAnswer>("list_nodes", {})).nodes;
  }
}
