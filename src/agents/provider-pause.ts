/** `retry-after` (seconds or an HTTP date) or `retry-after-ms`, as the server sent it; undefined: neither. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** OpenAI's reset durations (`1s`, `6m0s`, `20ms`, `1h2m3.5s`) in milliseconds; undefined when not one. */
export function resetDurationMs(text: string | null): number | undefined {
  if (text === null) return undefined;
  let total = 0;
  let matched = "";
  for (const [whole, amount, unit] of text.trim().matchAll(DURATION_PART)) {
    total += Number(amount) * UNIT_MS[unit!]!;
    matched += whole;
  }
  return matched !== "" && matched === text.trim() ? total : undefined;
}

/**
 * How long a provider asked every caller to pause: its `retry-after`, else the reset of whichever of its
 * `x-ratelimit-remaining-requests` / `-tokens` reached 0 (`x-ratelimit-reset-requests` / `-tokens`).
 */
export function providerPauseMs(headers: Headers | undefined): number | undefined {
  const told = retryAfterMs(headers);
  if (told !== undefined || headers === undefined) return told;
  const resets = (["requests", "tokens"] as const)
    .filter((kind) => headers.get(`x-ratelimit-remaining-${kind}`)?.trim() === "0")
    .map((kind) => resetDurationMs(headers.get(`x-ratelimit-reset-${kind}`)))
    .filter((ms): ms is number => ms !== undefined);
  return resets.length === 0 ? undefined : Math.max(...resets);
}
