/** Outcome of handing a message to a ref: what `ask` needs to fail fast instead of waiting for its timeout. */
export const DELIVERED = 0;
export const TARGET_STOPPED = 1;
export const TARGET_FULL = 2;
export const TARGET_NO_ROUTE = 3;
export type Delivery = typeof DELIVERED | typeof TARGET_STOPPED | typeof TARGET_FULL | typeof TARGET_NO_ROUTE;
