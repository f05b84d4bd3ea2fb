/**
 * Recent texts kept off the JS heap: one Buffer written round and round, each text readable until the ring has come
 * round over it. A cache of strings the heap kept for a thousand executions was promoted and copied by every
 * scavenge and was most of the store's garbage-collection time; bytes in a Buffer cost the collector nothing.
 */
export class ByteRing {
  readonly #size: number;
  #buffer: Buffer | undefined;
  /** Bytes written since the start, a position that only grows: where the next text goes, modulo the size. */
  #written = 0;
  #lastBytes = 0;

  constructor(size: number) {
    this.#size = size;
  }

  /**
   * Copies `source[start, end)` in (bytes already encoded, e.g. the journal's: a memcpy, not a second UTF-8 encoding);
   * the position to read them back with `end - start`, or -1 when they could never fit.
   */
  copy(source: Buffer, start: number, end: number): number {
    const bytes = end - start;
    if (bytes > this.#size) return -1;
    const buffer = (this.#buffer ??= Buffer.allocUnsafeSlow(this.#size));
    let offset = this.#written % this.#size;
    if (offset + bytes > this.#size) {
      this.#written += this.#size - offset;
      offset = 0;
    }
    const at = this.#written;
    source.copy(buffer, offset, start, end);
    this.#written += bytes;
    this.#lastBytes = bytes;
    return at;
  }

  /** How many bytes the last `copy` took. */
  get lastBytes(): number {
    return this.#lastBytes;
  }

  /** Whether the text put at `at` is still there. */
  holds(at: number): boolean {
    return at >= 0 && at >= this.#written - this.#size && this.#buffer !== undefined;
  }

  /** The text put at `at`, or undefined once the ring has written over it. */
  read(at: number, bytes: number): string | undefined {
    if (!this.holds(at)) return undefined;
    const offset = at % this.#size;
    return this.#buffer!.toString("utf8", offset, offset + bytes);
  }
}
