import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { IvSequence } from "./iv-sequence.js";
import type { ClusterKey, ClusterTrust } from "./cluster-key.js";
import { ReplayGuard } from "./replay-guard.js";

/** A live message older (or further in the future) than this is refused: a captured one cannot be replayed later. */
export const FRESHNESS_MS = 30_000;

/** Why a frame was refused: the label of `wfx_cluster_rejected_total{reason}`. */
export type RejectReason = "unsigned" | "unknown_key" | "bad_mac" | "stale" | "replayed" | "undecryptable";

export class SealRejected extends Error {
  override name = "SealRejected";
  constructor(
    readonly reason: RejectReason,
    readonly keyId?: string,
  ) {
    super(`cluster message refused: ${reason}`);
  }
}

/** How a frame is checked: a live message must be fresh (and, with a guard, new); a stored one only authentic. */
export type OpenCheck = { live: true; guard?: ReplayGuard } | { live: false };

const MAGIC = "WFX1";
const NEWLINE = 0x0a;
/** The header line is short; a frame without a newline in its first bytes is not one of ours. */
const MAX_HEADER = 160;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A key id is 8 hex characters (see clusterKeyOf). */
const KEY_ID_CHARS = 8;
const ascii = new TextEncoder();

/**
 * Seals what one node sends another (and what it writes to JetStream) under the cluster key: a readable header line
 * `WFX1 <key id> <p|e> <sender> <seq> <time ms> <mac>` then the body, so a frame moved to another subject, altered or
 * made up without the key is refused. With `p` the mac is HMAC-SHA256 over the subject, the header and the body. With
 * `e` the body is AES-256-GCM ciphertext (iv, data) and the mac is its tag, the subject and header its associated data:
 * one primitive both hides tenant data (on NATS and at rest) and authenticates the frame.
 */
export class ClusterSeal {
  readonly secure = true;
  /** This process's sender id: with the sequence, what a replay guard remembers. */
  readonly sender = randomBytes(6).toString("base64url");
  readonly #signing: ClusterKey;
  readonly #keys: ReadonlyMap<string, ClusterKey>;
  readonly #ivs = new IvSequence();
  #seq = 0;

  readonly #now: () => number;

  /** `now` is the clock freshness is judged by (injected, so a replay "a minute later" is testable without waiting). */
  constructor(keys: readonly ClusterKey[], now: () => number = Date.now) {
    this.#now = now;
    this.#signing = keys[0]!;
    this.#keys = new Map(keys.map((k) => [k.id, k]));
  }

  get keyId(): string {
    return this.#signing.id;
  }

  seal(subject: string, body: Uint8Array, encrypt = false): Uint8Array {
    const key = this.#signing;
    const head = `${MAGIC} ${key.id} ${encrypt ? "e" : "p"} ${this.sender} ${++this.#seq} ${this.#now()}`;
    let payload: Uint8Array;
    let mac: Buffer;
    if (encrypt) {
      const iv = this.#ivs.next();
      const cipher = createCipheriv("aes-256-gcm", key.encryptionKey, iv).setAAD(associatedData(subject, head));
      payload = Buffer.concat([iv, cipher.update(body), cipher.final()]);
      mac = cipher.getAuthTag();
    } else {
      payload = body;
      mac = macOf(key, subject, head, payload);
    }
    const header = ascii.encode(`${head} ${mac.toString("base64url")}\n`);
    const frame = Buffer.allocUnsafe(header.length + payload.length);
    frame.set(header, 0);
    frame.set(payload, header.length);
    return frame;
  }

  /** The body of an authentic frame for `subject` (decrypted); throws SealRejected with the reason otherwise. */
  open(subject: string, frame: Uint8Array, check: OpenCheck): Uint8Array {
    const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    const end = bytes.indexOf(NEWLINE);
    if (end < 0 || end > MAX_HEADER || bytes.toString("latin1", 0, 4) !== MAGIC) throw new SealRejected("unsigned");
    const fields = bytes.toString("latin1", 0, end).split(" ");
    if (fields.length !== 7) throw new SealRejected("unsigned");
    const [, keyId, kind, sender, seqText, timeText, mac] = fields as [string, string, string, string, string, string, string];
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new SealRejected("unknown_key", keyId);
    const payload = bytes.subarray(end + 1);
    const head = bytes.toString("latin1", 0, end - mac.length - 1);
    const given = Buffer.from(mac, "base64url");
    // Authenticity first: nothing in the header (time, sequence) is believed before the key has vouched for it.
    const body = kind === "e" ? openEncrypted(key, subject, head, payload, given) : verifiedPlain(key, subject, head, payload, given);
    if (check.live) {
      const now = this.#now();
      if (Math.abs(now - Number(timeText)) > FRESHNESS_MS) throw new SealRejected("stale", keyId);
      if (check.guard !== undefined && !check.guard.accept(sender, Number(seqText), now)) throw new SealRejected("replayed", keyId);
    }
    return body;
  }

  /** Bytes encrypted on their own (a record's tenant data beside its readable part): the key id, then iv, data and tag. */
  encryptBytes(body: Uint8Array): Buffer {
    const iv = this.#ivs.next();
    const cipher = createCipheriv("aes-256-gcm", this.#signing.encryptionKey, iv);
    return Buffer.concat([ascii.encode(this.#signing.id), iv, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
  }

  decryptBytes(sealed: Uint8Array): Buffer {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const keyId = bytes.toString("latin1", 0, KEY_ID_CHARS);
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new SealRejected("unknown_key", keyId);
    try {
      return decrypted(key, bytes.subarray(KEY_ID_CHARS));
    } catch {
      throw new SealRejected("undecryptable", keyId);
    }
  }
}

function macOf(key: ClusterKey, subject: string, head: string, payload: Uint8Array): Buffer {
  return createHmac("sha256", key.macKey).update(subject).update("\n").update(head).update("\n").update(payload).digest();
}

function associatedData(subject: string, head: string): Buffer {
  return Buffer.from(`${subject}\n${head}`, "latin1");
}

function verifiedPlain(key: ClusterKey, subject: string, head: string, payload: Buffer, given: Buffer): Buffer {
  const expected = macOf(key, subject, head, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SealRejected("bad_mac", key.id);
  return payload;
}

/** GCM checks the tag over the subject, header and ciphertext: a failure is a forged or altered frame. */
function openEncrypted(key: ClusterKey, subject: string, head: string, payload: Buffer, tag: Buffer): Buffer {
  if (tag.length !== TAG_BYTES || payload.length < IV_BYTES) throw new SealRejected("bad_mac", key.id);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.encryptionKey, payload.subarray(0, IV_BYTES)).setAAD(associatedData(subject, head));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(payload.subarray(IV_BYTES)), decipher.final()]);
  } catch {
    throw new SealRejected("bad_mac", key.id);
  }
}

function decrypted(key: ClusterKey, payload: Uint8Array): Buffer {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const decipher = createDecipheriv("aes-256-gcm", key.encryptionKey, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
}

/** `--insecure-cluster`: frames are the bodies themselves, nothing is checked (any NATS client can command the node). */
export class InsecureSeal {
  readonly secure = false;
  readonly keyId = "none";
  seal(_subject: string, body: Uint8Array): Uint8Array {
    return body;
  }
  open(_subject: string, frame: Uint8Array): Uint8Array {
    return frame;
  }
  encryptBytes(body: Uint8Array): Uint8Array {
    return body;
  }
  decryptBytes(body: Uint8Array): Uint8Array {
    return body;
  }
}

export type Seal = ClusterSeal | InsecureSeal;

export function sealFor(trust: ClusterTrust): Seal {
  return trust.mode === "keyed" ? new ClusterSeal(trust.keys) : new InsecureSeal();
}
