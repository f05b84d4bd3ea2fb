import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `npm run build` puts the dashboard: dist/ui beside dist/src. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL("../../../ui/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
});

/** No inline script or style, nothing from another origin: the page talks only to the node that served it. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
});

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head><body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> in the workflow-executor checkout, then reload this page.</p></body></html>`;

/**
 * Serves the built dashboard under `/ui`: files as they are (hashed assets cached for a year), and index.html for
 * every other path so the page's own routes survive a reload. The shell needs no token; the data it fetches does.
 */
export class DashboardStatic {
  readonly #dir: string;
  readonly #files = new Map<string, Buffer>();

  constructor(dir: string = DEFAULT_DASHBOARD_DIR) {
    this.#dir = normalize(dir.endsWith(sep) ? dir : dir + sep);
  }

  async #read(relative: string): Promise<Buffer | null> {
    const known = this.#files.get(relative);
    if (known !== undefined) return known;
    const file = normalize(join(this.#dir, relative));
    // `..` in the path must not leave the dashboard's folder.
    if (!file.startsWith(this.#dir)) return null;
    const content = await readFile(file).catch(() => null);
    // Only what exists is kept: a build made while the node runs is found on the next request.
    if (content !== null) this.#files.set(relative, content);
    return content;
  }

  async serve(path: string, method: string | undefined, res: ServerResponse): Promise<void> {
    if (method !== "GET" && method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS });
      return void res.end(`${method} is not allowed on the dashboard; it only serves files`);
    }
    let relative: string;
    try {
      relative = decodeURIComponent(path.slice("/ui".length)).replace(/^\/+/, "");
    } catch {
      relative = "";
    }
    const asset = relative.startsWith("assets/") || (relative !== "" && extname(relative) !== "" && relative !== "index.html");
    const content = asset ? await this.#read(relative) : null;
    if (content !== null) {
      const immutable = relative.startsWith("assets/");
      return this.#send(res, method, 200, CONTENT_TYPES[extname(relative)] ?? "application/octet-stream", content, immutable ? "public, max-age=31536000, immutable" : "no-cache");
    }
    if (asset) return this.#send(res, method, 404, "text/plain; charset=utf-8", Buffer.from(`no dashboard file ${relative}`), "no-cache");
    const index = await this.#read("index.html");
    if (index === null) {
      return this.#send(res, method, 503, "text/html; charset=utf-8", Buffer.from(NOT_BUILT), "no-store");
    }
    return this.#send(res, method, 200, "text/html; charset=utf-8", index, "no-cache");
  }

  #send(res: ServerResponse, method: string, status: number, type: string, body: Buffer, cache: string): void {
    res.writeHead(status, { "content-type": type, "content-length": String(body.length), "cache-control": cache, ...SECURITY_HEADERS });
    res.end(method === "HEAD" ? undefined : body);
  }
}
