/** What `wfx` exit codes mean; scripts may rely on them (README lists them). */
export const EXIT = Object.freeze({
  ok: 0,
  failed: 1,
  badInput: 2,
  timeout: 3,
  cancelled: 4,
  notFound: 5,
  interrupted: 130,
});

const EXIT_BY_STATUS: Readonly<Record<string, number>> = Object.freeze({
  completed: EXIT.ok,
  running: EXIT.ok,
  pending: EXIT.ok,
  failed: EXIT.failed,
  timeout: EXIT.timeout,
  cancelled: EXIT.cancelled,
});

/** The exit code that says how an execution ended. */
export function exitCodeFor(status: string): number {
  return EXIT_BY_STATUS[status] ?? EXIT.failed;
}
