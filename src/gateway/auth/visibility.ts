import type { ExecutionOwner } from "../../engine/internal.js";
import { hasScope, type Principal } from "./principal.js";

/**
 * The one answer to "may this caller see that execution" (its status, events, place in a listing): the token that
 * started it, tokens of the tenant it was started in, and `read_all` / `admin` tokens. An execution nobody started
 * through a gateway (the CLI's) is seen by the latter only; without a token file the caller is local and has admin.
 */
export function maySee(principal: Principal, owner: ExecutionOwner): boolean {
  if (hasScope(principal, "read_all")) return true;
  if (owner.started_by !== undefined && owner.started_by === principal.id) return true;
  return principal.tenant !== undefined && owner.started_by_tenant === principal.tenant;
}
