import { McpServer, ProtocolError, ProtocolErrorCode, ResourceTemplate, type ListResourcesResult } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import type { Operations } from "../operations/index.js";
import { ExecutionUpdates, executionUri } from "./execution-updates.js";
import { NodeFacts } from "./node-facts.js";
import { given } from "../../present.js";

/** Executions a resources/list names at most (the caller's newest): list_executions pages through the rest. */
const LISTED_EXECUTIONS = 50;

function variable(value: string | string[] | undefined): string {
  const one = Array.isArray(value) ? value[0] : value;
  if (one === undefined || one === "") throw new ProtocolError(ProtocolErrorCode.InvalidParams, "the resource URI names nothing");
  return decodeURIComponent(one);
}

/** A listing that fails for this caller (no read scope, say) lists nothing rather than failing resources/list as a whole. */
async function listed(list: () => Promise<ListResourcesResult["resources"]>): Promise<ListResourcesResult> {
  return { resources: await list().catch(() => []) };
}

/**
 * `wfx://workflows/NAME` (the YAML file that defines it) and `wfx://executions/ID` (its record, as
 * check_execution_status answers it), read as the caller: a token sees the workflows it may run and the executions
 * its tenant may see, nothing else, under any URI.
 */
export function registerResources(server: McpServer, operations: Operations, principal: Principal, gateway: string): void {
  const facts = () => new NodeFacts(operations, principal, gateway);
  server.registerResource(
    "workflow",
    new ResourceTemplate("wfx://workflows/{name}", { list: () => listed(async () => (await facts().workflows()).map((w) => ({ uri: `wfx://workflows/${encodeURIComponent(w.name)}`, name: w.name, ...given({ description: w.description }), mimeType: "application/yaml" }))) }),
    { title: "Workflow", description: "A workflow this node offers: the YAML file that defines it", mimeType: "application/yaml" },
    async (uri, variables) => ({ contents: [{ uri: uri.href, mimeType: "application/yaml", text: await facts().workflowYaml(variable(variables["name"])) }] }),
  );
  server.registerResource(
    "execution",
    new ResourceTemplate("wfx://executions/{id}", { list: () => listed(async () => (await facts().recentExecutions(LISTED_EXECUTIONS)).map((e) => ({ uri: executionUri(e.execution_id), name: e.execution_id, description: `${e.workflow_name ?? "?"}: ${e.status}`, mimeType: "application/json" }))) }),
    { title: "Execution", description: "An execution's record (status, progress, steps, result or error); subscribe to be told as it changes, until it ends", mimeType: "application/json" },
    async (uri, variables) => {
      const id = variable(variables["id"]);
      const record = await facts().execution(id);
      if (record === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `WFX_EXECUTION_NOT_FOUND: no execution with id ${id} that you may see`);
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(record) }] };
    },
  );
}

/**
 * 2025-era `resources/subscribe` on a session's (or stdio connection's) own server: its client is told
 * `notifications/resources/updated` at each event of the execution until it ends, it unsubscribes, or the session closes.
 * (2026-07-28 clients subscribe with `subscriptions/listen` instead, which the HTTP endpoint serves: see mcp-http.ts.)
 */
export function serveLegacySubscriptions(server: McpServer, operations: Operations, principal: Principal, gateway: string): void {
  const updates = new ExecutionUpdates(operations, gateway, (uri) => void server.server.sendResourceUpdated({ uri }).catch(() => undefined));
  const held = new Map<string, () => void>();
  server.server.setRequestHandler("resources/subscribe", async (request) => {
    const uri = request.params.uri;
    const release = await updates.hold(uri, principal);
    // Subscribing twice is one subscription.
    if (held.has(uri)) release();
    else held.set(uri, release);
    return {};
  });
  server.server.setRequestHandler("resources/unsubscribe", async (request) => {
    held.get(request.params.uri)?.();
    held.delete(request.params.uri);
    return {};
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    for (const release of held.values()) release();
    held.clear();
    updates.close();
    previous?.();
  };
}
