/** Limits applied while reading a workflow file; everything a hostile or broken file could exhaust is capped. */
export interface LoadOptions {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** The `yaml` package's alias expansion cap (billion-laughs protection). */
  maxAliasCount: number;
  /** Deepest nesting of collections accepted. */
  maxDepth: number;
  /** Folder that function modules are resolved against; defaults to the file's folder. */
  baseDir?: string;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ALIAS_COUNT = 100;
export const DEFAULT_MAX_DEPTH = 64;

/** Fills in defaults and rejects nonsense limits; the result is frozen. */
export function resolveLoadOptions(options: Partial<LoadOptions> = {}): Readonly<LoadOptions> {
  const resolved: LoadOptions = { maxBytes: DEFAULT_MAX_BYTES, maxAliasCount: DEFAULT_MAX_ALIAS_COUNT, maxDepth: DEFAULT_MAX_DEPTH };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  for (const key of ["maxBytes", "maxAliasCount", "maxDepth"] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < (key === "maxAliasCount" ? -1 : 1)) {
      throw new RangeError(`LoadOptions.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return Object.freeze(resolved);
}
