/** What a serving node tells the person who started it: where each of its endpoints is. */
export interface BannerFacts {
  nodeId: string;
  cluster?: { servers: readonly string[]; tags: readonly string[] } | undefined;
  httpUrl?: string | undefined;
  mcpUrl?: string | undefined;
  grpcAddress?: string | undefined;
  probeUrl?: string | undefined;
  openToLocal: boolean;
  workflows: number;
  workflowDirs: readonly string[];
  logFormat: string;
}

/** Every URL a newcomer may want to open or paste into a client, one per line. */
export function serveBanner(facts: BannerFacts): string {
  const lines = [`wfx node ${facts.nodeId} serving`];
  if (facts.cluster !== undefined) lines.push(`  cluster:   NATS ${facts.cluster.servers.join(", ")}, tags ${facts.cluster.tags.join(",") || "(none)"}`);
  if (facts.httpUrl !== undefined) {
    lines.push(`  HTTP:      ${facts.httpUrl} (POST /execute_workflow, GET /executions/ID, /health, /ready)`);
    if (facts.mcpUrl !== undefined) lines.push(`  MCP:       ${facts.mcpUrl}`);
    lines.push(`  dashboard: ${facts.httpUrl}/ui`, `  metrics:   ${facts.httpUrl}/metrics`);
  }
  if (facts.grpcAddress !== undefined) lines.push(`  gRPC:      ${facts.grpcAddress} (wfx.v1.WorkflowExecutor, grpc.health.v1, reflection)`);
  if (facts.probeUrl !== undefined) lines.push(`  probes:    ${facts.probeUrl} (GET /health, /ready only; no auth)`);
  if (facts.openToLocal) lines.push("  no tokens configured: listening on 127.0.0.1 only; every local caller has every scope");
  lines.push(`  workflows: ${facts.workflows} in ${facts.workflowDirs.join(", ") || "(no --workflows DIR)"}`);
  lines.push(`  logs:      ${facts.logFormat === "pretty" ? "one line per request (--log-format json for JSON)" : "JSON lines"}`);
  return `${lines.join("\n")}\n`;
}
