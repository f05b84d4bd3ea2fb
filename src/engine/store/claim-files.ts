import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { syncDir } from "./journal-scan.js";

/**
 * Names claimed once across every process sharing a data dir: one file per name, written whole and fsynced under a
 * temporary name, then linked into place. link(2) fails if the name exists, so exactly one claimant wins, and a
 * claimant that dies midway leaves only a temporary file, never a half-written claim.
 */
export class ClaimFiles {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, "claims");
  }

  #path(name: string): string {
    return join(this.#dir, createHash("sha256").update(name).digest("hex"));
  }

  async claim(name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    await mkdir(this.#dir, { recursive: true });
    const path = this.#path(name);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(JSON.stringify({ name, value }));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
      await syncDir(this.#dir);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      return ((JSON.parse(await readFile(path, "utf8")) as { value: Record<string, unknown> }).value);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async release(name: string): Promise<void> {
    await unlink(this.#path(name)).catch(() => undefined);
  }
}
