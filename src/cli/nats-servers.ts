/** `--nats URL`s given, else WFX_NATS_URL (comma-separated); empty when neither is set. */
export function natsServers(flags: readonly string[] | undefined): string[] {
  if (flags !== undefined && flags.length > 0) return [...flags];
  return (process.env["WFX_NATS_URL"] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}
