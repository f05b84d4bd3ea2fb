import { EXIT } from "./exit-codes.js";

/** An error the CLI reports as one clear message (no stack trace) and an exit code. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; hint?: string } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? EXIT.badInput;
    this.hint = options.hint;
  }
}
