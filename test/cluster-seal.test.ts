import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClusterSeal, clusterKeyOf, FRESHNESS_MS, generateClusterKey, resolveClusterTrust, SealRejected, type RejectReason } from "../src/cluster/index.js";
import { ReplayGuard } from "../src/cluster/trust/replay-guard.js";

const KEY = generateClusterKey();
const OLD = generateClusterKey();
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

function refused(open: () => unknown): RejectReason {
  try {
    open();
  } catch (error) {
    if (error instanceof SealRejected) return error.reason;
    throw error;
  }
  throw new Error("the frame was accepted");
}

test("cluster seal - a sealed frame opens on its subject only, and any change to it is refused", () => {
  const seal = new ClusterSeal([clusterKeyOf(KEY)]);
  const frame = seal.seal("wfx.node.a.start", bytes('{"run":1}'));
  assert.is(text(seal.open("wfx.node.a.start", frame, { live: true })), '{"run":1}');
  assert.is(refused(() => seal.open("wfx.node.b.start", frame, { live: true })), "bad_mac", "moved to another node's subject");
  const altered = Buffer.from(frame);
  altered[altered.length - 2] ^= 1;
  assert.is(refused(() => seal.open("wfx.node.a.start", altered, { live: true })), "bad_mac", "one bit of the body changed");
  assert.is(refused(() => seal.open("wfx.node.a.start", bytes('{"run":1}'), { live: true })), "unsigned", "a plain message");
  assert.is(refused(() => new ClusterSeal([clusterKeyOf(generateClusterKey())]).open("wfx.node.a.start", frame, { live: true })), "unknown_key", "another cluster's key");
});

test("cluster seal - tenant data is encrypted: the frame does not contain it, the reader gets it back", () => {
  const seal = new ClusterSeal([clusterKeyOf(KEY)]);
  const frame = seal.seal("wfx.actor.b", bytes("tenant-secret-input"), true);
  assert.not.ok(Buffer.from(frame).includes("tenant-secret-input"));
  assert.match(Buffer.from(frame).toString("latin1").split("\n")[0]!, /^WFX1 [0-9a-f]{8} e /, "the header line stays readable");
  assert.is(text(seal.open("wfx.actor.b", frame, { live: true })), "tenant-secret-input");
  const stored = seal.encryptBytes(bytes("a record's result"));
  assert.not.ok(Buffer.from(stored).includes("result"));
  assert.is(text(seal.decryptBytes(stored)), "a record's result");
});

test("cluster seal - a captured message sent again is a replay; a minute later it is stale", () => {
  let now = 1_000_000;
  const sender = new ClusterSeal([clusterKeyOf(KEY)], () => now);
  const receiver = new ClusterSeal([clusterKeyOf(KEY)], () => now);
  const guard = new ReplayGuard(2 * FRESHNESS_MS);
  const frame = sender.seal("wfx.nodes.beat", bytes("beat"));
  assert.is(text(receiver.open("wfx.nodes.beat", frame, { live: true, guard })), "beat");
  assert.is(refused(() => receiver.open("wfx.nodes.beat", frame, { live: true, guard })), "replayed");
  now += 60_000;
  assert.is(refused(() => receiver.open("wfx.nodes.beat", frame, { live: true, guard: new ReplayGuard(2 * FRESHNESS_MS) })), "stale", "a fresh guard still refuses it by its time");
  // A stored value is read back any time: it is checked for authenticity, not freshness.
  assert.is(text(receiver.open("wfx.nodes.beat", frame, { live: false })), "beat");
});

test("cluster seal - during a rotation the new key signs and the old one is still accepted", () => {
  const old = new ClusterSeal([clusterKeyOf(OLD)]);
  const rotating = new ClusterSeal([clusterKeyOf(KEY), clusterKeyOf(OLD)]);
  assert.is(text(rotating.open("s", old.seal("s", bytes("from an old node")), { live: true })), "from an old node");
  assert.is(rotating.keyId, clusterKeyOf(KEY).id);
  assert.is(refused(() => old.open("s", rotating.seal("s", bytes("new")), { live: true })), "unknown_key", "a node with only the old key cannot read the new one");
});

test("cluster seal - the replay guard accepts each sequence once, out of order within its window", () => {
  const guard = new ReplayGuard(60_000);
  assert.ok(guard.accept("s1", 5, 0));
  assert.ok(guard.accept("s1", 3, 0), "an earlier one not yet seen");
  assert.not.ok(guard.accept("s1", 5, 0));
  assert.ok(guard.accept("s2", 5, 0), "another sender's sequence is its own");
  assert.ok(guard.accept("s1", 10_000, 0));
  assert.not.ok(guard.accept("s1", 4, 0), "far behind the newest: refused");
});

test("cluster key - none is refused with the fix named; short keys and unreadable files are named; a file holds a rotation", () => {
  const missing = (() => {
    try {
      resolveClusterTrust({ env: {} });
    } catch (error) {
      return error as { code: string; hint: string };
    }
    return undefined;
  })();
  assert.is(missing?.code, "WFX_CLUSTER_KEY_MISSING");
  assert.match(missing!.hint, /wfx cluster-key/);
  assert.match(missing!.hint, /--insecure-cluster/);
  assert.equal(resolveClusterTrust({ env: {}, insecure: true }), { mode: "insecure" });
  assert.equal(resolveClusterTrust({ env: { WFX_INSECURE_CLUSTER: "true" } }), { mode: "insecure" });
  assert.throws(() => resolveClusterTrust({ env: { WFX_CLUSTER_KEY: "short" } }), /at least 32/);
  const keys = resolveClusterTrust({ env: { WFX_CLUSTER_KEYS: `${KEY},${OLD}` } });
  assert.equal(keys.mode === "keyed" ? keys.keys.map((k) => k.id) : [], [clusterKeyOf(KEY).id, clusterKeyOf(OLD).id]);
  const dir = mkdtempSync(join(tmpdir(), "wfx-key-"));
  try {
    writeFileSync(join(dir, "key"), `${KEY}\n${OLD}\n`);
    const fromFile = resolveClusterTrust({ env: {}, keyFile: join(dir, "key") });
    assert.is(fromFile.mode === "keyed" ? fromFile.keys.length : 0, 2);
    assert.throws(() => resolveClusterTrust({ env: {}, keyFile: join(dir, "nope") }), /cannot read the cluster key file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(generateClusterKey(), /^[A-Za-z0-9_-]{43}$/);
});

test.run();
