import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** Screenshots the browser tests take, in a folder git ignores. */
export const SCREENSHOTS = fileURLToPath(new URL("../../../test-output/screenshots/", import.meta.url));

/** Debian's chromium (`.ci/run` installs it): $CHROMIUM_PATH, else the usual paths, else whatever PATH finds. */
export function chromiumPath(): string {
  const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"].filter((p): p is string => p !== undefined && p !== "");
  for (const path of candidates) if (existsSync(path)) return path;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8" }).trim();
    } catch {
      // not on PATH; try the next name
    }
  }
  throw new Error("no chromium found: apt-get install -y chromium, or set CHROMIUM_PATH");
}

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/** A fresh tab (its own sessionStorage) at a laptop's size, failing the test on any page error or CSP violation. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy|Refused to/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return page;
}

/** Enters the bearer token in the dashboard's prompt, as a person would. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Bearer token").fill(token);
  await page.getByRole("button", { name: "Open the dashboard" }).click();
  await page.locator("header .who").waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
