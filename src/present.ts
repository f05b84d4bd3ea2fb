/** `given` keeps only the keys whose values are set, typed as optional: what a `{ x?: T }` field takes without `undefined`. */
export type Given<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * The properties of `values` that are not undefined, to spread into an object with optional fields:
 * `{ ...given({ timeoutS: request.timeoutS }) }` instead of `...(request.timeoutS === undefined ? {} : { timeoutS: … })`
 * (the project keeps `exactOptionalPropertyTypes`: an absent field and one set to undefined are not the same).
 */
export function given<T extends object>(values: T): Given<T> {
  const out: Record<string, unknown> = {};
  for (const key in values) if (values[key] !== undefined) out[key] = values[key];
  return out as Given<T>;
}
