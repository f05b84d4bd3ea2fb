import { test } from "uvu";
import * as assert from "uvu/assert";
import { unary } from "./helpers/gateway-grpc.js";
import { callJson } from "./helpers/gateway-mcp.js";
import { post, TOKENS } from "./helpers/gateway-node.js";
import { startLimitsNode } from "./helpers/limits-node.js";

type Msg = Record<string, unknown>;

const { t, base, client, mcp, close } = await startLimitsNode();

test.after(close);

function assertRecordFailed(answer: Msg, where: string): void {
  assert.equal([where, answer["status"], (answer["error"] as Msg | undefined)?.["code"]], [where, "failed", "WFX_RECORD_FAILED"]);
  assert.match(String((answer["error"] as Msg)["message"]), "the output of step 'dig' cannot be serialised as JSON: nested too deeply");
}

/** How each gateway runs `workflow` sync and then asks for its status, with the answers as JSON. */
const GATEWAYS: Record<string, { run(workflow: string): Promise<Msg>; status(id: string): Promise<Msg> }> = {
  http: {
    run: async (workflow) => (await post(base, "execute_workflow", { workflow_name: workflow }, TOKENS.runner)).body,
    status: async (id) => (await (await fetch(`${base}/executions/${id}`, { headers: { authorization: `Bearer ${TOKENS.runner}` } })).json()) as Msg,
  },
  mcp: {
    run: (workflow) => callJson(mcp, "execute_workflow", { workflow_name: workflow }),
    status: (id) => callJson(mcp, "check_execution_status", { execution_id: id }),
  },
  grpc: {
    run: (workflow) => unary(client, "ExecuteWorkflow", { workflow_name: workflow }, { token: TOKENS.runner }),
    status: async (id) => {
      const message = await unary(client, "CheckExecutionStatus", { execution_id: id }, { token: TOKENS.runner });
      const steps = (message["steps"] as Msg[]).map((s) => ({ ...s, output: s["output_json"] === "" ? undefined : JSON.parse(String(s["output_json"])) }));
      return { ...message, steps };
    },
  },
};

test("record failure - a step output the store cannot keep answers the sync call failed, frees its slot, and status finds the record", async () => {
  for (const [name, gateway] of Object.entries(GATEWAYS)) {
    // Three on a 3-slot node: before the fix each one held its slot forever and the next call was a 429.
    for (let i = 0; i < 3; i++) {
      const answer = await gateway.run("deep_output");
      assertRecordFailed(answer, name);
      const status = await gateway.status(String(answer["execution_id"]));
      assertRecordFailed(status, `${name} status`);
      assert.match(String((status["steps"] as Msg[])[0]!["output"]), "[not stored: the output of step 'dig'");
    }
    assert.is(t.node.registry.self().load, 0, `${name}: every admission slot is free`);
    const normal = await gateway.run("one_step");
    assert.is(normal["status"], "completed", `${name}: the node still runs workflows`);
  }
  assert.equal(t.runtime.recorder.liveIds(), []);
  assert.equal(t.audit.filter((a) => a.code === "WFX_INTERNAL"), []);
});

test.run();
