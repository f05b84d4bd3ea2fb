import type { KeyLimit } from "../types.js";

/** Where one execution stands under its keys cluster-wide: a place under each, or why not yet. */
export type KeyClaim = { held: true } | { held: false; reason: string; /** Asked, no answer yet: what ranks behind it waits that round trip (priority holds). */ pending: boolean };

/**
 * Places under concurrency keys and tokens' max_running shared by every node (the cluster implements it; a standalone
 * node has none and counts them in its queue alone). Answers synchronously from what this process knows: a place
 * comes by asking, and `onGranted` tells when one may have come.
 */
export interface KeyPlaces {
  /** Whether `id` holds a place under every one of `limits` now; when not, it is asked for (once, in line at `priority`). */
  claim(id: string, limits: readonly KeyLimit[], priority: number): KeyClaim;
  /** `claim`, answered once the cluster first answers the ask (one round trip) or `waitMs` passed: granted, or why it waits. */
  claimed(id: string, limits: readonly KeyLimit[], priority: number, waitMs: number): Promise<KeyClaim>;
  /** Holds places under `limits` for `id`, which runs already (taken over after its process died): at once, over the limit if its own were lost. */
  hold(id: string, limits: readonly KeyLimit[], priority: number): void;
  /** Why `id` waits for its places now, as the cluster last said; undefined when it asked for none or holds them. */
  reasonOf(id: string): string | undefined;
  /** Gives back what `id` holds or asked for (it ended, was withdrawn, or its node has no slot for it now). */
  release(id: string): void;
  /** Told whenever a place may have come to this process, or an ask got its first answer: the queue then starts what may start. */
  onGranted(listener: () => void): void;
}

/** The reason a queued execution with keys gives while its places are asked for cluster-wide (the balancer leaves it be). */
export function clusterKeyReason(limits: readonly KeyLimit[]): string {
  return `${limits.map((l) => `${l.what} (limit ${l.limit})`).join(" and ")}: waiting for a place cluster-wide`;
}

/** Whether a queued execution waits for a key's cluster-wide place (not a slot): another node's room would not start it. */
export function waitsForKeyPlace(reason: string | undefined): boolean {
  return reason?.endsWith(": waiting for a place cluster-wide") === true;
}
