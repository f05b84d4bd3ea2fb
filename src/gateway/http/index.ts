export { HttpGateway, type HttpGatewayDeps, type HttpGatewayOptions } from "./http-gateway.js";
export { checkHostAndOrigin, LOOPBACK_HOSTNAMES, type HostGuardOptions } from "./host-guard.js";
export { healthAnswer, readinessAnswer, type HealthAnswer } from "./health-answers.js";
export { sendJson } from "./respond.js";
