import type { ExecutionEvent, ExecutionRecord } from "../../engine/internal.js";
import { ClusterError } from "../errors.js";
import { SealRejected, type Seal } from "./cluster-seal.js";
import type { ClusterRejections } from "./rejections.js";
import { given } from "../../present.js";
import type { EventHead } from "../event-chains.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const NEWLINE = 0x0a;

/** A stored value with a key: its readable part (ids, status, times) as one JSON line, then the whole value encrypted (no base64: a record near NATS's max_payload must still fit). */
function withSealedRest(seal: Seal, readable: object, json: string): Uint8Array {
  const head = encoder.encode(`${JSON.stringify(readable)}\n`);
  const rest = seal.encryptBytes(encoder.encode(json));
  const out = new Uint8Array(head.length + rest.length);
  out.set(head, 0);
  out.set(rest, head.length);
  return out;
}

/**
 * What the cluster store writes to JetStream and reads back: with a cluster key, each value is signed over its bucket
 * and key (so a record cannot be altered, made up or moved to another key) and holds its tenant data encrypted, with
 * ids, statuses and times left readable for operators; a value that fails the check is never served.
 */
export class SealedStoreValues {
  constructor(
    readonly seal: Seal,
    readonly rejections: ClusterRejections,
  ) {}

  record(where: string, json: string, record: ExecutionRecord): Uint8Array {
    if (!this.seal.secure) return encoder.encode(json);
    const readable: Partial<ExecutionRecord> = { execution_id: record.execution_id, workflow_name: record.workflow_name, status: record.status, node: record.node, start_time: record.start_time, ...given({ end_time: record.end_time }) };
    return this.seal.seal(where, withSealedRest(this.seal, readable, json));
  }

  recordOf(where: string, data: Uint8Array): ExecutionRecord {
    return this.#open<ExecutionRecord>(where, data, "execution record");
  }

  /** One stream message holding a run of an execution's events (`jsons`: each event's JSON), as one JSON array. */
  events(where: string, jsons: readonly string[], events: readonly EventHead[]): Uint8Array {
    const json = `[${jsons.join(",")}]`;
    if (!this.seal.secure) return encoder.encode(json);
    const readable = { execution_id: events[0]!.execution_id, seqs: events.map((e) => e.seq), types: events.map((e) => e.type) };
    return this.seal.seal(where, withSealedRest(this.seal, readable, json));
  }

  /** The events of one stream message (a message written before batches holds one event, not an array). */
  eventsOf(where: string, data: Uint8Array): ExecutionEvent[] {
    const value = this.#open<ExecutionEvent | ExecutionEvent[]>(where, data, "execution event");
    return Array.isArray(value) ? value : [value];
  }

  /** A value of tenant data with nothing an operator needs to read (a placed step's outcome): signed and encrypted whole. */
  secret(where: string, json: string): Uint8Array {
    if (!this.seal.secure) return encoder.encode(json);
    return this.seal.seal(where, withSealedRest(this.seal, {}, json));
  }

  secretOf<T>(where: string, data: Uint8Array, what: string): T {
    return this.#open<T>(where, data, what);
  }

  /** Claims (adoptions, idempotency keys) hold no tenant data: signed, not encrypted. */
  claim(where: string, json: string): Uint8Array {
    return this.signed(where, json);
  }

  claimOf(where: string, data: Uint8Array): Record<string, unknown> {
    return this.signedOf(where, data, "claim");
  }

  /** A value with no tenant data (a claim, a rate limit's bucket): signed over where it lives, not encrypted. */
  signed(where: string, json: string): Uint8Array {
    return this.seal.seal(where, encoder.encode(json));
  }

  signedOf(where: string, data: Uint8Array, what: string): Record<string, unknown> {
    return this.#open<Record<string, unknown>>(where, data, what, false);
  }

  #open<T>(where: string, data: Uint8Array, what: string, readable = true): T {
    try {
      const body = this.seal.open(where, data, { live: false });
      if (!this.seal.secure || !readable) return JSON.parse(decoder.decode(body)) as T;
      const rest = body.indexOf(NEWLINE) + 1;
      if (rest === 0) throw new SealRejected("undecryptable");
      return JSON.parse(decoder.decode(this.seal.decryptBytes(body.subarray(rest)))) as T;
    } catch (error) {
      const reason = error instanceof SealRejected ? error.reason : "unsigned";
      this.rejections.count(reason, where, error instanceof SealRejected ? error.keyId : undefined);
      throw tampered(what, where, reason, this.seal.keyId);
    }
  }
}

export function tampered(what: string, where: string, reason: string, keyId: string): ClusterError {
  return new ClusterError("WFX_CLUSTER_STORE_TAMPERED", `the ${what} at ${where} in the cluster store failed its authentication check (${reason}); it is not served`, {
    hint: `it was written without this node's cluster key (key id ${keyId}): by a NATS client that is not a node, or by a node with another key; check who can write to JetStream, and that every node has the same WFX_CLUSTER_KEY`,
  });
}
