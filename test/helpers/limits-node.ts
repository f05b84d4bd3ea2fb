import { join } from "node:path";
import { FIXTURES } from "./engine-fixture.js";
import { grpcClient } from "./gateway-grpc.js";
import { connectHttp } from "./gateway-mcp.js";
import { GATEWAY_WORKFLOWS, startTestNode, TOKENS, tokensText } from "./gateway-node.js";

/** What the limits and record-failure tests attack: a node with 3 execution slots, and a client per gateway as `runner`. */
export async function startLimitsNode() {
  const t = await startTestNode({ tokensText: tokensText(), maxConcurrentExecutions: 3, workflowDirs: [GATEWAY_WORKFLOWS, join(FIXTURES, "limits")] });
  const client = grpcClient(t.node.grpcAddress!);
  const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28", TOKENS.runner);
  return {
    t,
    base: t.node.httpUrl!,
    client,
    mcp,
    async close() {
      await mcp.close();
      client.close();
      await t.close();
    },
  };
}
