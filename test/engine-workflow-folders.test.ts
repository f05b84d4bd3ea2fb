import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { adoptedPath, pathInFolders } from "../src/engine/workflow-folders.js";

test("workflow folders - a file's place inside the operator's folders, and none outside them", () => {
  assert.is(pathInFolders("/srv/flows/team/a.yaml", ["/other", "/srv/flows"]), join("team", "a.yaml"));
  assert.is(pathInFolders("/srv/flows/../secrets/a.yaml", ["/srv/flows"]), undefined, "a path that leaves the folder is not in it");
  assert.is(pathInFolders("/tmp/inline/a.yaml", ["/srv/flows"]), undefined);
  assert.is(pathInFolders("/srv/flows", ["/srv/flows"]), undefined, "the folder itself is no file in it");
});

test("workflow folders - an adopter runs the file from its own folder when it has it there, else from the owner's path", () => {
  const root = mkdtempSync(join(tmpdir(), "wfx-folders-"));
  try {
    const mine = join(root, "mine");
    mkdirSync(join(mine, "team"), { recursive: true });
    writeFileSync(join(mine, "team", "a.yaml"), "workflows: {}\n");
    assert.is(adoptedPath("/elsewhere/flows/team/a.yaml", join("team", "a.yaml"), [join(root, "empty"), mine]), join(mine, "team", "a.yaml"));
    assert.is(adoptedPath("/elsewhere/flows/team/b.yaml", join("team", "b.yaml"), [mine]), "/elsewhere/flows/team/b.yaml", "not in its folders: the owner's path");
    assert.is(adoptedPath("/elsewhere/a.yaml", undefined, [mine]), "/elsewhere/a.yaml", "a spec from before the field: the owner's path");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
