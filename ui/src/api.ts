import { storedToken } from "./token";

/** An error answer of the node's API: its stable code, message and hint. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function authHeaders(): Record<string, string> {
  const token = storedToken();
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

async function answerOf<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!res.ok && res.status !== 404) throw new ApiError(res.status, String(body["code"] ?? `HTTP_${res.status}`), String(body["message"] ?? res.statusText), body["hint"] as string | undefined);
  return body as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answerOf<T>(await fetch(path, { headers: authHeaders(), signal: signal ?? null }));
}

/** Calls one of the node's methods (POST /method with a JSON body). */
export async function call<T>(method: string, args: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`/${method}`, { method: "POST", headers: { ...authHeaders(), "content-type": "application/json" }, body: JSON.stringify(args), signal: signal ?? null });
  return answerOf<T>(res);
}

export interface Session {
  id: string;
  scopes: string[];
  node: string;
  open: boolean;
}

export function may(session: Session, scope: "read" | "execute" | "generate"): boolean {
  return session.scopes.includes(scope) || session.scopes.includes("admin");
}
