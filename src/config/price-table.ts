import { z } from "zod";

/** One model's prices, per 1,000 tokens, as the operator copied them from the provider's price list. */
export const ModelPriceSchema = z.strictObject({
  prompt_per_1k: z.number().min(0, { error: "a price cannot be negative" }),
  completion_per_1k: z.number().min(0, { error: "a price cannot be negative" }),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: "a currency is a three-letter code such as USD or EUR" }).default("USD"),
});

/** A node profile's `prices`: model name -> prices. Turns counted tokens into an estimated cost; never a bill. */
export const PriceTableSchema = z.record(z.string().min(1), ModelPriceSchema);
export type ModelPrice = z.infer<typeof ModelPriceSchema>;
export type PriceTable = Readonly<Record<string, ModelPrice>>;
