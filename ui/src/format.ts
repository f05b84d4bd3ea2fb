export function seconds(s: number | undefined): string {
  if (s === undefined) return "—";
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function clock(epochSeconds: number | undefined): string {
  return epochSeconds === undefined ? "—" : new Date(epochSeconds * 1000).toLocaleString();
}

export function json(value: unknown): string {
  if (value === undefined) return "—";
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return text.length > 20_000 ? `${text.slice(0, 20_000)}\n… (${text.length} characters)` : text;
}

export const TERMINAL = new Set(["completed", "failed", "timeout", "cancelled"]);
