/** Trim the backing array once at least this many consumed slots sit in front of the head. */
const COMPACT_AT = 1024;

/** FIFO queue with a head index: O(1) push and shift without Array.shift, bounded by `capacity` for `offer`. */
export class Mailbox<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  constructor(readonly capacity: number = Number.POSITIVE_INFINITY) {}

  get size(): number {
    return this.tail - this.head;
  }

  get isFull(): boolean {
    return this.tail - this.head >= this.capacity;
  }

  /** Adds unless full; false means the caller must dead-letter the item. */
  offer(item: T): boolean {
    if (this.tail - this.head >= this.capacity) return false;
    this.items[this.tail++] = item;
    return true;
  }

  /** Adds regardless of capacity (kernel signals must never be dropped). */
  push(item: T): void {
    this.items[this.tail++] = item;
  }

  /** Oldest item, or undefined when empty (check `size` when undefined is a valid item). */
  shift(): T | undefined {
    const head = this.head;
    if (head === this.tail) return undefined;
    const items = this.items;
    const item = items[head];
    items[head] = undefined; // let the item be collected
    if (head + 1 === this.tail) {
      this.head = this.tail = 0; // empty: reuse the slots instead of growing forever
      if (items.length > COMPACT_AT) this.items = [];
    } else {
      this.head = head + 1;
      if (head >= COMPACT_AT && head * 2 >= this.tail) this.compact();
    }
    return item;
  }

  /** Keeps only the items `keep` accepts, in order (rare: used on restart). */
  retain(keep: (item: T) => boolean): void {
    const kept: (T | undefined)[] = [];
    for (let i = this.head; i < this.tail; i++) if (keep(this.items[i] as T)) kept.push(this.items[i]);
    this.items = kept;
    this.head = 0;
    this.tail = kept.length;
  }

  private compact(): void {
    const live = this.items.slice(this.head, this.tail);
    this.items = live;
    this.head = 0;
    this.tail = live.length;
  }
}
