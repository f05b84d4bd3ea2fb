import { jetstreamManager } from "@nats-io/jetstream";
import { connect, NoRespondersError, TimeoutError } from "@nats-io/transport-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AckedPublisher } from "../src/cluster/acked-publisher.js";
import { isWrongLastSequence } from "../src/cluster/conditional-writes.js";
import { startNatsServer } from "./helpers/nats-server.js";

const nats = await startNatsServer();
const nc = await connect({ servers: nats.url });
await (await jetstreamManager(nc)).streams.add({ name: "ACKED", subjects: ["acked.>"], storage: "memory", duplicate_window: 60_000_000_000 });
const data = new TextEncoder().encode("x");

test.after(async () => {
  await nc.close();
  await nats.close();
});

test("acked publisher - publishes answered out of order each get their own acknowledgement; a resend with the same id is a duplicate", async () => {
  const publisher = new AckedPublisher(nc);
  const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish(`acked.s${i % 5}`, data)));
  assert.equal([...new Set(acks.map((a) => a.seq))].length, 50, "fifty stream sequences");
  const first = await publisher.publish("acked.dup", data, { msgId: "m-1" });
  const again = await publisher.publish("acked.dup", data, { msgId: "m-1" });
  assert.equal([again.seq, again.duplicate, first.duplicate], [first.seq, true, false]);
  publisher.close();
});

test("acked publisher - a publish conditional on a subject sequence that moved on is refused as a wrong last sequence", async () => {
  const publisher = new AckedPublisher(nc);
  const { seq } = await publisher.publish("acked.fenced", data, { lastSubjectSeq: 0 });
  await publisher.publish("acked.fenced", data, { lastSubjectSeq: seq });
  const refused = await publisher.publish("acked.fenced", data, { lastSubjectSeq: seq }).catch((error: unknown) => error);
  assert.ok(isWrongLastSequence(refused), String(refused));
  publisher.close();
});

test("acked publisher - no stream takes the subject: refused at once; no answer at all: fails at its deadline; closed: what waits fails", async () => {
  const publisher = new AckedPublisher(nc, 300);
  assert.instance(await publisher.publish("nobody.here", data).catch((error: unknown) => error), NoRespondersError);
  // A plain subscriber takes the message and never answers: only the deadline ends the wait.
  const silent = nc.subscribe("silent.one");
  await nc.flush();
  const started = Date.now();
  assert.instance(await publisher.publish("silent.one", data).catch((error: unknown) => error), TimeoutError);
  assert.ok(Date.now() - started >= 300, "not before its deadline");
  const waiting = publisher.publish("silent.one", data).catch((error: unknown) => error);
  publisher.close();
  assert.instance(await waiting, TimeoutError);
  assert.instance(await publisher.publish("acked.after", data).catch((error: unknown) => error), Error);
  silent.unsubscribe();
});

test.run();
