/** A path of plain segments (letters, digits, `_`, `-`): one that URL parsing would give back unchanged. */
const PLAIN_PATH = /^(?:\/[\w-]+)+$/;

/**
 * A request's path, and its URL when a route reads the query: parsing a URL costs a few µs a request, which the plain
 * paths every method is called by (`/check_execution_status`, `/executions/ID`) do without. Anything else (dots,
 * %-encoding, `//`, a query) is parsed as before.
 */
export function requestTarget(target: string | undefined): { path: string; url: () => URL } {
  const raw = target ?? "/";
  let parsed: URL | undefined;
  const url = () => (parsed ??= new URL(raw, "http://node"));
  return { path: PLAIN_PATH.test(raw) ? raw : url().pathname, url };
}
