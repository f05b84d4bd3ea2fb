/** One waiting item as the order sees it: its priority (0-9, 9 first), its round-robin key, and when it arrived. */
export interface OrderedEntry {
  id: string;
  priority: number;
  key: string;
}

/** The entries of one key at one priority, oldest first (an array with a moving head: shift() would be O(n)). */
interface KeyLine<E> {
  items: E[];
  head: number;
}

/** One priority level: its keys in the order they first arrived, and the key whose turn is next. */
interface Level<E> {
  lines: Map<string, KeyLine<E>>;
  ring: string[];
  turn: number;
}

export const PRIORITY_LEVELS = 10;

/**
 * The order waiting work starts in: priority (9 before 0), then round-robin between keys (Hatchet's
 * GROUP_ROUND_ROBIN: one busy key never starves the others), then arrival within a key. Pure: no clock, no I/O, so a
 * node and a cluster's queue keeper apply the same order. A key held back by its limit (`mayStart` false for its
 * oldest entry) is passed over without losing its turn to the ones behind it in the same key.
 */
export class QueueOrder<E extends OrderedEntry> {
  readonly #levels: Level<E>[] = Array.from({ length: PRIORITY_LEVELS }, () => ({ lines: new Map(), ring: [], turn: 0 }));
  readonly #entries = new Map<string, E>();
  /** Entries removed from the middle of a line, skipped when they reach its head. */
  readonly #removed = new Set<string>();
  /** Waiting entries per priority, kept as they come and go (depth and arrival positions without a scan). */
  readonly #counts = new Array<number>(PRIORITY_LEVELS).fill(0);

  get size(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  get(id: string): E | undefined {
    return this.#entries.get(id);
  }

  add(entry: E): void {
    if (this.#entries.has(entry.id)) return;
    this.#entries.set(entry.id, entry);
    const level = this.#levels[clampPriority(entry.priority)]!;
    let line = level.lines.get(entry.key);
    if (line === undefined) {
      line = { items: [], head: 0 };
      level.lines.set(entry.key, line);
      level.ring.push(entry.key);
    }
    line.items.push(entry);
    this.#counts[clampPriority(entry.priority)]! += 1;
  }

  /** Entries waiting at `priority` or above: where a newcomer at that priority stands, before round-robin credit. */
  aheadOf(priority: number): number {
    let ahead = 0;
    for (let p = clampPriority(priority); p < PRIORITY_LEVELS; p++) ahead += this.#counts[p]!;
    return ahead;
  }

  /** Takes an entry out wherever it waits (cancelled, timed out); false when it was not queued. */
  remove(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    this.#counts[clampPriority(entry.priority)]! -= 1;
    this.#removed.add(id);
    return true;
  }

  /** The next entry that may start, taken out of the order; undefined when none may. */
  take(mayStart: (entry: E) => boolean = () => true): E | undefined {
    for (let p = PRIORITY_LEVELS - 1; p >= 0; p--) {
      const level = this.#levels[p]!;
      const found = this.#takeFrom(level, mayStart);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  #takeFrom(level: Level<E>, mayStart: (entry: E) => boolean): E | undefined {
    let looked = 0;
    while (looked < level.ring.length) {
      if (level.turn >= level.ring.length) level.turn = 0;
      const key = level.ring[level.turn]!;
      const line = level.lines.get(key)!;
      const head = this.#headOf(line);
      if (head === undefined) {
        // An emptied key leaves the ring; the next key slides into this turn.
        level.lines.delete(key);
        level.ring.splice(level.turn, 1);
        continue;
      }
      looked++;
      level.turn++;
      if (!mayStart(head)) continue;
      line.head++;
      this.#entries.delete(head.id);
      this.#counts[clampPriority(head.priority)]! -= 1;
      return head;
    }
    return undefined;
  }

  #headOf(line: KeyLine<E>): E | undefined {
    while (line.head < line.items.length) {
      const head = line.items[line.head]!;
      if (!this.#removed.delete(head.id)) {
        // A long-lived key is compacted once most of it is spent, so a line's memory follows what waits in it.
        if (line.head >= 1024 && line.head * 2 >= line.items.length) {
          line.items = line.items.slice(line.head);
          line.head = 0;
        }
        return head;
      }
      line.head++;
    }
    return undefined;
  }

  /**
   * How many entries would start before this one if nothing else arrived and no key were held back: those of higher
   * priority, and at its priority the ones ahead in its key plus, from each other key, as many as round-robin
   * interleaves before it. 1 = next. Undefined when it does not wait.
   */
  positionOf(id: string): number | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    const p = clampPriority(entry.priority);
    let ahead = 0;
    for (let q = PRIORITY_LEVELS - 1; q > p; q--) for (const line of this.#levels[q]!.lines.values()) ahead += waiting(line, this.#entries);
    const level = this.#levels[p]!;
    const own = level.lines.get(entry.key)!;
    let inOwn = 0;
    for (let i = own.head; i < own.items.length && own.items[i] !== entry; i++) if (this.#entries.has(own.items[i]!.id)) inOwn++;
    ahead += inOwn;
    for (const [key, line] of level.lines) if (key !== entry.key) ahead += Math.min(waiting(line, this.#entries), inOwn + 1);
    return ahead + 1;
  }

  /** Waiting entries per priority, index = priority. */
  depthByPriority(): readonly number[] {
    return [...this.#counts];
  }

  /** How many distinct keys have an entry waiting. */
  keyCount(): number {
    const keys = new Set<string>();
    for (const entry of this.#entries.values()) keys.add(entry.key);
    return keys.size;
  }

  entries(): IterableIterator<E> {
    return this.#entries.values();
  }
}

function waiting<E extends OrderedEntry>(line: KeyLine<E>, live: ReadonlyMap<string, E>): number {
  let n = 0;
  for (let i = line.head; i < line.items.length; i++) if (live.has(line.items[i]!.id)) n++;
  return n;
}

export function clampPriority(priority: number): number {
  return Math.min(PRIORITY_LEVELS - 1, Math.max(0, Math.trunc(priority)));
}
