import type { NextRequest } from "next/server";

/** What the middleware (edge runtime) and the BFF (Node) both know about the session cookies. */

/** The API's access token (15 min). The cookie itself lasts as long as the refresh token. */
export const SESSION_COOKIE = "liqfade_session";
/** The API's refresh token (12 h), sent back only to the BFF's routes. */
export const REFRESH_COOKIE = "liqfade_refresh";

/** A token this close to its expiry is refreshed before use, so it cannot expire on the way to the API. */
const REFRESH_MARGIN_MS = 30_000;

/** When the JWT expires (ms since the epoch), read without verifying: the API verifies. */
export function tokenExpiry(token: string): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * https as the browser saw it: directly, or through a TLS-terminating proxy (Railway, nginx); Next sets
 * x-forwarded-proto from the socket or the proxy server.mjs trusts. Decides Secure cookies and HSTS.
 */
export function isHttps(request: NextRequest): boolean {
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? request.nextUrl.protocol.replace(":", "");
  return proto === "https";
}

export function needsRefresh(token: string, now = Date.now()): boolean {
  const expiry = tokenExpiry(token);
  return expiry === null || expiry - REFRESH_MARGIN_MS <= now;
}
