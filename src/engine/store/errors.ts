import { WfxError } from "../../errors.js";

/** Errors the execution stores raise: bad options, writes after close, disk failures. */
export class StoreError extends WfxError {
  override name = "StoreError";
}

export function storeClosed(): StoreError {
  return new StoreError("WFX_STORE_CLOSED", "the execution store is closed", { hint: "open a new store" });
}
