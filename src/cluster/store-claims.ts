import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { CLUSTER_STORE } from "./subjects.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";

/** Where a claim lives, as its seal names it: a value moved to another key fails the check. */
const claimWhere = (key: string) => `kv.${CLUSTER_STORE.claims}.${key}`;

/** A claim's key: the name hashed, since names carry a caller's idempotency key and KV keys allow few characters. */
function claimKey(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

/** Claims a name (a KV create: exactly one caller wins); resolves undefined when this one won, else with the winner's value. */
export async function claimName(claims: KV, values: SealedStoreValues, name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const key = claimKey(name);
  try {
    await claims.create(key, values.claim(claimWhere(key), JSON.stringify(value)));
    return undefined;
  } catch (error) {
    const winner = await claims.get(key);
    if (winner === null || winner.operation !== "PUT") throw error;
    return values.claimOf(claimWhere(key), winner.value);
  }
}

export async function releaseName(claims: KV, name: string): Promise<void> {
  await claims.delete(claimKey(name));
}
