import { WfxError } from "../../errors.js";

/** Errors the execution stores raise: bad options, writes after close, disk failures. */
export class StoreError extends WfxError {
  override name = "StoreError";
}
