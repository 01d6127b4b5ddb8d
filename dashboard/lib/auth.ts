import "server-only";
import createClient from "openapi-fetch";
import { apiUrl } from "@/lib/env";
import type { components, paths } from "@/lib/api/schema";

/** What login and refresh answer: an access token and the session's refresh token, with their expiries. */
export type Session = components["schemas"]["Token"];

export type AuthAnswer =
  | { ok: true; session: Session }
  | { ok: false; status: number; detail: string; retryAfter: string | null };

const UNREACHABLE: AuthAnswer = { ok: false, status: 502, detail: "the bot API is unreachable", retryAfter: null };

function authApi() {
  return createClient<paths>({ baseUrl: apiUrl(), cache: "no-store" });
}

function answer(result: { data?: Session; error?: unknown; response: Response }): AuthAnswer {
  if (result.data) return { ok: true, session: result.data };
  const detail = (result.error as { detail?: unknown } | undefined)?.detail;
  return {
    ok: false,
    status: result.response.ok ? 502 : result.response.status,
    detail: typeof detail === "string" ? detail : `the API answered ${result.response.status}`,
    retryAfter: result.response.headers.get("retry-after"),
  };
}

/**
 * The API limits failed logins per client address. Every browser reaches it from the dashboard's address,
 * so the dashboard reports the real one (set by server.mjs), vouched for by the secret both share.
 */
function clientHeaders(client: string | null): Record<string, string> {
  const secret = process.env.DASHBOARD_SECRET;
  return secret && client ? { "X-Dashboard-Secret": secret, "X-Client-Address": client } : {};
}

export async function login(email: string, password: string, client: string | null): Promise<AuthAnswer> {
  try {
    return answer(await authApi().POST("/api/auth/login", { body: { email, password }, headers: clientHeaders(client) }));
  } catch {
    return UNREACHABLE;
  }
}

/** A new access token for the session (the refresh token stays the same until the session ends). */
export async function refresh(refreshToken: string): Promise<AuthAnswer> {
  try {
    return answer(await authApi().POST("/api/auth/refresh", { body: { refresh_token: refreshToken } }));
  } catch {
    return UNREACHABLE;
  }
}

/** Ends the session at the API (its access and refresh tokens, and its live streams). Best effort. */
export async function logout(accessToken: string): Promise<void> {
  try {
    await authApi().POST("/api/auth/logout", { headers: { Authorization: `Bearer ${accessToken}` } });
  } catch {
    /* the cookies are cleared anyway */
  }
}
