import { EmbeddedExecutionStore, Runtime, defaultNodeId, resolveDataDir, type Membership } from "../engine/internal.js";
import type { GatewayOptions } from "../gateway/index.js";
import { NodeExecutor } from "../gateway/index.js";
import { defaultToolRegistry } from "../tools/index.js";
import { localModelRateLimiter } from "../agents/index.js";

/**
 * The node's store and engine: a member's store, step host and owner liveness come from its cluster; a standalone
 * node keeps an embedded store in its data dir. Its workflows' mcpworkflow_executor tools call the node (`executor`).
 */
export async function openEngine(options: Readonly<GatewayOptions>, membership: Membership | undefined, executor: NodeExecutor): Promise<Runtime> {
  const dataDir = options.dataDir ?? resolveDataDir();
  const store = membership?.store() ?? (await EmbeddedExecutionStore.open({ dataDir }));
  const clustered = membership === undefined ? {} : { stepHost: membership.stepHost(), ownerAlive: membership.ownerAlive(), mayAdopt: membership.mayAdopt(), instanceId: membership.instanceId };
  return new Runtime({
    store,
    dataDir,
    nodeId: membership?.nodeId ?? options.nodeId ?? defaultNodeId(),
    tools: defaultToolRegistry({ workflowExecutor: executor }),
    callerPolicy: options.callerPolicy,
    prices: options.prices,
    modelRateLimiter: membership?.modelRateLimiter(options.modelLimits) ?? localModelRateLimiter(options.modelLimits),
    resumePolicy: options.resumePolicy,
    workflowFolders: options.workflowDirs,
    defaultTimeoutS: options.defaultTimeoutS,
    limits: { maxStepsPerExecution: options.maxStepsPerExecution },
    ...clustered,
  });
}
