// The responder of the raw NATS baseline, in a process of its own (bench/cluster.ts forks it): a plain
// @nats-io/transport-node client answering every request on the subject with the request's own bytes.
import { connect } from "@nats-io/transport-node";

const [url, subject] = process.argv.slice(2) as [string, string];
const nc = await connect({ servers: url });
nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(msg.data) });
await nc.flush();
process.send!("ready");
process.on("disconnect", () => void nc.close().then(() => process.exit(0)));
