import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createActorSystem } from "../src/actors/index.js";
import { ClusterRejections, ClusterWire, NatsTransport, receiveActorMessages, sealFor } from "../src/cluster/index.js";
import { encodeEnvelope, frameEnvelopes, unframeEnvelopes } from "../src/cluster/codec.js";
import { actorSubject } from "../src/cluster/subjects.js";
import { eventually } from "./helpers/engine-fixture.js";
import { testTrust, testWire } from "./helpers/cluster-key.js";
import { startNatsServer } from "./helpers/nats-server.js";

test("codec - one envelope goes as v8 bytes, several framed; both come back in order, errors included", () => {
  const one = encodeEnvelope({ address: "b/user/x", message: { n: 1 } });
  assert.equal(unframeEnvelopes(one), [{ address: "b/user/x", message: { n: 1 } }]);
  assert.is(frameEnvelopes([one]), one, "a single envelope is not framed");
  const many = [1, 2, 3].map((n) => encodeEnvelope({ address: `b/user/${n}`, message: n === 2 ? new RangeError("two") : { n } }));
  const back = unframeEnvelopes(frameEnvelopes(many));
  assert.equal(back.map((e) => e.address), ["b/user/1", "b/user/2", "b/user/3"]);
  assert.instance(back[1]!.message, RangeError);
});

test("codec - garbled bytes throw: empty, a frame cut short, a frame that runs past the end, v8 that is not an envelope", () => {
  const framed = frameEnvelopes([encodeEnvelope({ address: "b/user/1", message: 1 }), encodeEnvelope({ address: "b/user/2", message: 2 })]);
  const runsPast = Buffer.from(framed);
  runsPast.writeUInt32BE(1_000_000, 1);
  for (const bytes of [new Uint8Array(0), framed.subarray(0, 3), runsPast, encodeEnvelope({ message: "no address" } as never), Uint8Array.of(0xff, 0x0f, 0x99)]) {
    assert.throws(() => unframeEnvelopes(bytes));
  }
});

test("codec - an authentic but garbled actor message is logged, at most once a period, and later messages still arrive", async () => {
  const nats = await startNatsServer();
  const lines: Record<string, unknown>[] = [];
  let nowMs = 1_000_000;
  const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const receiver = await connect({ servers: nats.url });
  const sender = await connect({ servers: nats.url });
  const system = createActorSystem({ id: "node-b" });
  try {
    const wire = new ClusterWire(receiver, sealFor(testTrust()), new ClusterRejections(logger, () => nowMs));
    const inbox = receiveActorMessages(wire, system);
    await receiver.flush();
    const got: unknown[] = [];
    const target = system.spawn<{ n: number }>({ start: () => null, receive: (state, message) => (got.push(message), state) }, { name: "target" });
    const senderWire = testWire(sender);
    const garble = () => senderWire.publish(actorSubject("node-b"), Uint8Array.of(0, 0, 0, 0, 9, 1), { encrypt: true });
    const transport = new NatsTransport(senderWire, "node-b");
    garble();
    await eventually(() => lines.length === 1 || undefined, 5000, "the garbled message logged");
    assert.equal([lines[0]!["subject"], lines[0]!["msg"]], ["wfx.actor.node-b", "dropped an authentic cluster message this node could not decode; a node of another version, or a bug in the sender"]);
    assert.match(String(lines[0]!["error"]), "runs past");
    // One publisher's messages keep their order: once the good one arrives, the second garbled one was dropped.
    garble();
    transport.send(target.address, { n: 1 });
    await eventually(() => got.length === 1 || undefined, 5000, "the good message delivered");
    assert.is(lines.length, 1, "a second garbled message in the same period is not logged");
    nowMs += 10_000;
    garble();
    await eventually(() => lines.length === 2 || undefined, 5000, "the next period's line");
    assert.is(lines[1]!["also_dropped"], 1, "it counts the one left out");
    inbox.unsubscribe();
  } finally {
    await system.terminate();
    await receiver.close();
    await sender.close();
    await nats.close();
  }
});

test.run();
