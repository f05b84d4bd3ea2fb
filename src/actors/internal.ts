/** For sibling packages (engine, cluster, adapters): kernel pieces that are not part of the public API. */
export { Mailbox } from "./mailbox.js";
export { Scheduler, type Runnable } from "./scheduler.js";
export { REF_KEY, decodeRefs, encodeRefs } from "./ref-codec.js";
export { rootAddress, systemIdOf } from "./address.js";
export { STOP_POLICY, resolveSupervision } from "./supervision.js";
export { defaultActorSystemOptions, resolveActorSystemOptions, type ResolvedActorSystemOptions } from "./actor-system-options.js";
export { systemEndpoint, type SystemMessage, type WireError } from "./system-messages.js";
