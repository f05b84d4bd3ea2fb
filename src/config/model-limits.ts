import { z } from "zod";

/** Seconds of a limit a bucket may hold, so spend at once: providers enforce per-minute limits over shorter spans too. */
export const DEFAULT_BURST_S = 10;

function httpUrl(text: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** One operator limit: what the cluster together may send one model endpoint (one model of it, or all its models). */
export const ModelLimitSchema = z
  .strictObject({
    /** The base URL agents call, as in OPENAI_BASE_URL or an agent's base_url (a trailing '/' does not matter). */
    endpoint: z.string().refine(httpUrl, { error: "an endpoint is the model server's base URL, http:// or https://", params: { code: "WFX_INVALID_VALUE" } }),
    /** One model of the endpoint; left out: one limit shared by all its models. */
    model: z.string().min(1).optional(),
    requests_per_minute: z.number().positive().optional(),
    tokens_per_minute: z.number().positive().optional(),
    /** How many seconds of the limit may be spent at once (the bucket's capacity); 1 to 60. */
    burst_s: z.number().min(1).max(60).default(DEFAULT_BURST_S),
  })
  .refine((l) => l.requests_per_minute !== undefined || l.tokens_per_minute !== undefined, { error: "a model limit needs requests_per_minute, tokens_per_minute or both", params: { code: "WFX_MISSING_FIELD" } });
export type ModelLimit = z.infer<typeof ModelLimitSchema>;

/** A base URL as limits compare it: without trailing slashes. */
export function normalEndpoint(url: string): string {
  return url.replace(/\/+$/, "");
}

/** A node profile's `model_limits`: one entry per endpoint and model at most. */
export const ModelLimitsSchema = z.array(ModelLimitSchema).superRefine((limits, ctx) => {
  const seen = new Set<string>();
  limits.forEach((l, i) => {
    const key = `${normalEndpoint(l.endpoint)} ${l.model ?? "*"}`;
    if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i], message: `${l.endpoint}${l.model === undefined ? " (all models)" : ` model ${l.model}`} is limited twice`, params: { code: "WFX_INVALID_VALUE" } });
    seen.add(key);
  });
});
