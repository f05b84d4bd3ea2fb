/**
 * Keeps the most recently set keys: at least `capacity` of them, at most twice that. Two generations of maps instead
 * of an LRU list, because evicting a Map's oldest key one by one gets slower as deleted slots pile up at its front.
 */
export class RecentCache<V> {
  readonly #capacity: number;
  #current = new Map<string, V>();
  #previous = new Map<string, V>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** With `promote`, a key found in the older generation moves to the newer one (it was used again). */
  get(key: string, promote = false): V | undefined {
    const value = this.#current.get(key);
    if (value !== undefined || !promote) return value ?? this.#previous.get(key);
    const old = this.#previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.#current.size >= this.#capacity && !this.#current.has(key)) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }

  *values(): IterableIterator<V> {
    for (const [key, value] of this.#previous) if (!this.#current.has(key)) yield value;
    yield* this.#current.values();
  }
}
