import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchBrowser, openPage, screenshot } from "./helpers/browser.js";
import { FIXTURES } from "./helpers/engine-fixture.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// A real nats-server (its own -sd dir) and three nodes, as the cluster tests start them; the page is opened on one.
// The browser first: if it cannot start, no node or server is left running without the hook that stops them.
const browser = await launchBrowser();
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];
const TAGS: Record<string, string[]> = { "ui-gpu-1": ["gpu", "eu"], "ui-eu-1": ["eu"], "ui-cpu-1": ["cpu", "high-memory"] };
for (const [id, tags] of Object.entries(TAGS)) {
  const dir = mkdtempSync(join(tmpdir(), `wfx-ui-${id}-`));
  dirs.push(dir);
  // The gpu node offers two gpus to placed steps: the page shows them free.
  const env: Record<string, string> = id === "ui-gpu-1" ? { WFX_NODE_RESOURCES: "gpu=2" } : {};
  nodes.push(await startServe(dir, ["--node-id", id, "--workflows", join(FIXTURES, "cluster"), "--nats", nats.url, "--tags", tags.join(",")], env, "node"));
}
const errors: string[] = [];

test.after(async () => {
  await browser.close();
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("dashboard nodes - the nodes page lists the three nodes of a cluster with their tags, and sees one go down", async () => {
  const page = await openPage(browser, errors);
  await page.goto(`${nodes[0]!.url}/ui/nodes`);
  for (const id of Object.keys(TAGS)) await page.locator(`tr[data-node="${id}"][data-status="up"]`).waitFor({ timeout: 15_000 });
  for (const [id, tags] of Object.entries(TAGS)) {
    const shown = await page.locator(`tr[data-node="${id}"] .tag`).allInnerTexts();
    assert.equal(shown.sort(), [...tags].sort(), `${id}'s tags`);
  }
  assert.is(await page.locator("tr[data-node]").count(), 3);
  assert.is(await page.locator(`tr[data-node="ui-gpu-1"] [data-resources]`).innerText(), "gpu 2/2 free");
  // Each on one line box, at a laptop's width: "ui-gpu-1" and "0 / 64" used to break at their hyphen and spaces.
  const lines = await page.locator("tr[data-node] td.mono, tr[data-node] .progress-cell span").evaluateAll((cells) =>
    cells.map((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return [cell.textContent, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
    }),
  );
  assert.ok(lines.length >= 6);
  for (const [text, count] of lines) assert.is(count, 1, `'${text}' is on one line`);
  await screenshot(page, "nodes-cluster");
  // A node that shuts down says so at once: the page shows it without a reload.
  await nodes[2]!.kill("SIGTERM");
  await page.locator(`tr[data-node="ui-cpu-1"]:not([data-status="up"])`).waitFor({ timeout: 15_000 });
  assert.equal(errors, []);
  await page.context().close();
});

test.run();
