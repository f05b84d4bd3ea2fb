import { z } from "zod";
import type { NodeInfo } from "../../engine/internal.js";
import { decodeJson, encodeJson } from "../codec.js";

const text = new TextEncoder();
const untext = new TextDecoder();

/** A node's full entry on the wire: its record and, from delta beats, the revision its material fields are at. */
export interface Entry {
  info: NodeInfo;
  rev: number | undefined;
}

/** What changes with every step that starts or ends: sent coalesced on its own, never as a new revision. */
export const LoadPartSchema = z.object({
  load: z.number(),
  steps_load: z.number().optional(),
  free: z.record(z.string(), z.number()).optional(),
});
export type LoadPart = z.infer<typeof LoadPartSchema>;

const LoadBeatSchema = LoadPartSchema.extend({ id: z.string().min(1), rev: z.number().int() });
export type LoadBeat = z.infer<typeof LoadBeatSchema>;

/** A watcher's finding that a node is gone: every node marks that incarnation down; the node itself, if alive, refutes it. */
const VerdictSchema = z.object({ id: z.string().min(1), instance: z.string().optional() });
export type Verdict = z.infer<typeof VerdictSchema>;

/** A newcomer's hello: where every node sends its entry (one message each, to the newcomer alone). */
const HelloSchema = z.object({ reply: z.string().min(1) });

export function encodeEntry(info: NodeInfo, rev?: number): Uint8Array {
  return encodeJson(rev === undefined ? info : { ...info, rev });
}

export function decodeEntry(data: Uint8Array): Entry | undefined {
  const body = decodeJson<NodeInfo & { rev?: unknown }>(data);
  if (body === undefined || body === null || typeof body.id !== "string" || typeof body.status !== "string") return undefined;
  const { rev, ...info } = body;
  return { info, rev: typeof rev === "number" ? rev : undefined };
}

/** A liveness beat is the entry's revision as digits: a few bytes, the subject names the node. */
export function encodeLiveBeat(rev: number): Uint8Array {
  return text.encode(String(rev));
}

export function decodeLiveBeat(data: Uint8Array): number | undefined {
  const rev = Number(untext.decode(data));
  return Number.isInteger(rev) && rev >= 0 ? rev : undefined;
}

export function encodeLoadBeat(beat: LoadBeat): Uint8Array {
  return encodeJson(beat);
}

export function decodeLoadBeat(data: Uint8Array): LoadBeat | undefined {
  const parsed = LoadBeatSchema.safeParse(decodeJson(data));
  return parsed.success ? parsed.data : undefined;
}

export function encodeVerdict(verdict: Verdict): Uint8Array {
  return encodeJson(verdict);
}

export function decodeVerdict(data: Uint8Array): Verdict | undefined {
  const parsed = VerdictSchema.safeParse(decodeJson(data));
  return parsed.success ? parsed.data : undefined;
}

export function encodeHello(reply: string): Uint8Array {
  return encodeJson({ reply });
}

/** The reply subject of a delta hello; undefined for today's empty hello (answered by a beat to everyone). */
export function helloReplyOf(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  const parsed = HelloSchema.safeParse(decodeJson(data));
  return parsed.success ? parsed.data.reply : undefined;
}

/** The part of a record that changes as work starts and ends. */
export function loadPartOf(info: NodeInfo): LoadPart {
  const part: LoadPart = { load: info.load };
  if (info.steps !== undefined) part.steps_load = info.steps.load;
  if (info.resources !== undefined) part.free = info.resources.free;
  return part;
}

/** A record with a load part applied: what a receiver shows until the next full entry. */
export function withLoad(info: NodeInfo, part: LoadPart): NodeInfo {
  const next: NodeInfo = { ...info, load: part.load };
  if (part.steps_load !== undefined && info.steps !== undefined) next.steps = { ...info.steps, load: part.steps_load };
  if (part.free !== undefined && info.resources !== undefined) next.resources = { ...info.resources, free: part.free };
  return next;
}

/** Everything but the load part, as one comparable string: a change here is a new revision, sent in full at once. */
export function materialKeyOf(info: NodeInfo): string {
  const { load: _load, steps, resources, ...rest } = info;
  return JSON.stringify([rest, steps?.capacity, resources?.total]);
}
