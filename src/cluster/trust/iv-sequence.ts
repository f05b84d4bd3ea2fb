import { randomBytes } from "node:crypto";

const PREFIX_BYTES = 8;
const COUNTER_LIMIT = 0xffff_ffff;

/**
 * AES-GCM nonces without a random draw per message (NIST SP 800-38D's deterministic construction): a random 64-bit
 * prefix per sealer and a 32-bit counter, a fresh prefix when the counter wraps. Two processes collide only if their
 * random prefixes do (about 2^-64 per pair), and one process never repeats a nonce.
 */
export class IvSequence {
  #prefix = randomBytes(PREFIX_BYTES);
  #counter = 0;

  next(): Buffer {
    if (this.#counter === COUNTER_LIMIT) {
      this.#prefix = randomBytes(PREFIX_BYTES);
      this.#counter = 0;
    }
    const iv = Buffer.allocUnsafe(PREFIX_BYTES + 4);
    this.#prefix.copy(iv, 0);
    iv.writeUInt32BE(++this.#counter, PREFIX_BYTES);
    return iv;
  }
}
