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

  /** Copies `text` in; the position to read it back with `bytes`, or -1 when it could never fit. */
  put(text: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a text that might not fit before the end starts at the beginning.
    const most = text.length * 3;
    if (most > this.#size) return -1;
    const buffer = (this.#buffer ??= Buffer.allocUnsafeSlow(this.#size));
    let offset = this.#written % this.#size;
    if (offset + most > this.#size) {
      this.#written += this.#size - offset;
      offset = 0;
    }
    const at = this.#written;
    this.#lastBytes = buffer.write(text, offset); // utf8; naming the encoding costs an allocation per call
    this.#written += this.#lastBytes;
    return at;
  }

  /** How many bytes the last `put` took. */
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
