export { GrpcGateway, type GrpcGatewayDeps, type GrpcGatewayOptions } from "./grpc-gateway.js";
export { loadDefinitions, LOADER_OPTIONS, PROTO_ROOT, SERVICE_NAME, WFX_PROTO, workflowExecutorClient } from "./proto.js";
