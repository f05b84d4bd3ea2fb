/** Base of every error the runtime raises: a stable code, a message for humans and a hint saying how to fix it. */
export class WfxError extends Error {
  override name = "WfxError";
  readonly code: `WFX_${string}`;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(code: `WFX_${string}`, message: string, options: { hint?: string; cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, hint: this.hint };
  }
}

/** Turns anything thrown into a plain `{code, message, hint?}` that can be stored and sent over the wire. */
export function toErrorInfo(err: unknown): { code: string; message: string; hint?: string } {
  if (err instanceof WfxError) return err.toJSON();
  if (err instanceof Error) return { code: "WFX_STEP_ERROR", message: err.message || err.name };
  return { code: "WFX_STEP_ERROR", message: String(err) };
}

/** Schema issues as one line, `path: message; …`; `rootLabel` stands for the path of an issue about the whole value. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], rootLabel: string): string {
  return issues.map((i) => `${i.path.join(".") || rootLabel}: ${i.message}`).join("; ");
}
