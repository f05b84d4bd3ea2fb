export { LOCAL_PRINCIPAL, SCOPES, hasScope, mayUseNode, mayUseWorkflow, requireAnyWorkflow, requireCanceller, requireNode, requireScopes, requireWorkflow, type Principal, type Scope } from "./principal.js";
export { TokenStore, loadTokens, parseTokens, type TokenEntry, type TokenLimitDefaults } from "./token-store.js";
export { maySee } from "./visibility.js";
