import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "./helm.js";
import { startWfxProcess, type ServeProcess } from "./serve-process.js";

/** Secret name -> key -> content: what the cluster would hold; the chart only names them. */
export type Secrets = Record<string, Record<string, string>>;

/** A pod of a rendered workload, laid out on this machine as the kubelet would: its mounts as folders, its env resolved. */
export interface ChartPod {
  podName: string;
  args: string[];
  env: Record<string, string>;
  /** A path inside the container, as the path on this machine its mount was laid out at. */
  hostPath(containerPath: string): string;
  close(): void;
}

function configMap(manifests: Manifest[], name: string): Record<string, string> {
  const found = manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name === name);
  if (found === undefined) throw new Error(`the pod mounts ConfigMap ${name}, which the chart did not render`);
  return found.data ?? {};
}

function secret(secrets: Secrets, name: string, key?: string): Record<string, string> {
  const found = secrets[name];
  if (found === undefined || (key !== undefined && found[key] === undefined)) throw new Error(`the pod needs Secret ${name}${key === undefined ? "" : ` key ${key}`}, which the test did not provide`);
  return found;
}

/** Lays out `workload`'s pod (named `podName`) with the given Secrets: every volume becomes a temp folder at its mount. */
export function layOutPod(manifests: Manifest[], workload: Manifest, podName: string, secrets: Secrets = {}): ChartPod {
  const root = mkdtempSync(join(tmpdir(), `wfx-pod-${podName}-`));
  const pod = workload.spec.template.spec;
  const container = pod.containers[0];
  const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
  for (const claim of workload.spec.volumeClaimTemplates ?? []) volumes.set(claim.metadata.name, { name: claim.metadata.name, emptyDir: {} });
  const mounts: [string, string][] = [];
  for (const mount of container.volumeMounts as { name: string; mountPath: string }[]) {
    const volume = volumes.get(mount.name);
    if (volume === undefined) throw new Error(`volumeMount ${mount.name} has no volume`);
    const dir = join(root, mount.name);
    mkdirSync(dir, { recursive: true });
    const files = volume.configMap ? configMap(manifests, volume.configMap.name) : volume.secret ? secret(secrets, volume.secret.secretName) : {};
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    mounts.push([mount.mountPath, dir]);
  }
  const hostPath = (path: string) => {
    for (const [mountPath, dir] of mounts) if (path === mountPath || path.startsWith(`${mountPath}/`)) return dir + path.slice(mountPath.length);
    return path;
  };
  const env: Record<string, string> = {};
  for (const variable of container.env as { name: string; value?: string; valueFrom?: any }[]) {
    if (variable.value !== undefined) env[variable.name] = hostPath(variable.value);
    else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[variable.name] = podName;
    else if (variable.valueFrom?.secretKeyRef) env[variable.name] = secret(secrets, variable.valueFrom.secretKeyRef.name, variable.valueFrom.secretKeyRef.key)[variable.valueFrom.secretKeyRef.key]!;
    else throw new Error(`env ${variable.name}: the test does not know how to resolve ${JSON.stringify(variable.valueFrom)}`);
  }
  return { podName, args: (container.args as string[]).map(hostPath), env, hostPath, close: () => rmSync(root, { recursive: true, force: true }) };
}

/** The pod's container started for real: `wfx` (the image's entrypoint) with its args, and its env alone plus PATH. */
export function startPod(pod: ChartPod): Promise<ServeProcess> {
  return startWfxProcess(pod.args, { PATH: process.env["PATH"] ?? "", ...pod.env });
}

/** Runs one of the container's probes against the running pod as the kubelet would: true when it passes. */
export async function probePasses(workload: Manifest, probe: "readinessProbe" | "livenessProbe" | "startupProbe"): Promise<boolean> {
  const container = workload.spec.template.spec.containers[0];
  const spec = container[probe];
  if (spec.httpGet) {
    const { path, port, scheme } = spec.httpGet as { path: string; port: string | number; scheme: string };
    const number = typeof port === "number" ? port : (container.ports as { name: string; containerPort: number }[]).find((p) => p.name === port)?.containerPort;
    if (number === undefined) throw new Error(`${probe} names port ${port}, which the container does not declare`);
    const answer = await fetch(`${scheme.toLowerCase()}://127.0.0.1:${number}${path}`).catch(() => undefined);
    return answer !== undefined && answer.status >= 200 && answer.status < 400;
  }
  const [command, ...args] = spec.exec.command as string[];
  const child = spawn(command!, args, { stdio: "ignore", env: { PATH: process.env["PATH"] ?? "" } });
  const [code] = (await once(child, "exit")) as [number | null];
  return code === 0;
}
