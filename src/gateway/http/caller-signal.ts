import type { ServerResponse } from "node:http";

/**
 * The caller's AbortSignal, aborted when the response closes before it was finished (the caller went away), built the
 * first time a method reads it: most requests (a status read) never do, and an AbortController is a few µs of each.
 */
export function callerSignal(res: ServerResponse): () => AbortSignal {
  let caller: AbortController | undefined;
  let gone = false;
  res.on("close", () => {
    if (res.writableFinished) return;
    gone = true;
    caller?.abort();
  });
  return () => {
    if (caller === undefined) {
      caller = new AbortController();
      if (gone) caller.abort();
    }
    return caller.signal;
  };
}
