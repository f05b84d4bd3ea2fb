import type { PriceTable } from "../config/index.js";
import type { EstimatedCost, Usage } from "./usage.js";

/**
 * What the tokens in `usage` would cost at the node's prices: an estimate (prices change, providers round), in the
 * currency of the first priced model; models without a price (or priced in another currency) are named, not guessed.
 */
export function estimateCost(usage: Usage, prices: PriceTable): EstimatedCost | undefined {
  const models = Object.keys(usage.by_model);
  if (models.length === 0 || Object.keys(prices).length === 0) return undefined;
  let currency: string | undefined;
  let amount = 0;
  const unpriced: string[] = [];
  for (const model of models) {
    const price = prices[model];
    if (price === undefined || (currency !== undefined && price.currency !== currency)) {
      unpriced.push(model);
      continue;
    }
    currency = price.currency;
    const share = usage.by_model[model]!;
    amount += (share.prompt_tokens / 1000) * price.prompt_per_1k + (share.completion_tokens / 1000) * price.completion_per_1k;
  }
  if (currency === undefined) return undefined;
  return { amount: Math.round(amount * 1e6) / 1e6, currency, estimate: true, ...(unpriced.length === 0 ? {} : { unpriced_models: unpriced }) };
}
