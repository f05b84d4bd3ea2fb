/** Where a command writes; tests pass their own streams. */
export interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}
