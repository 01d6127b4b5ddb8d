import { NextResponse, type NextRequest } from "next/server";

const SESSION_COOKIE = "liqfade_session";

/** Seconds since the epoch at which the JWT expires, read without verifying (the API verifies). */
function expiry(token: string): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp : null;
  } catch {
    return null;
  }
}

/**
 * An absolute URL on the host the browser used. Middleware redirects must be absolute, and the request's
 * own URL names the server's bind address ("localhost" in standalone mode, an internal name behind a
 * proxy), where the session cookie does not exist.
 */
function publicUrl(request: NextRequest, path: string): URL {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? request.nextUrl.host;
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? request.nextUrl.protocol.replace(":", "");
  return new URL(path, `${proto}://${host}`);
}

/** Every page but the login needs a session; an expired one goes back to login with a message. */
export function middleware(request: NextRequest): NextResponse {
  const token = request.cookies.get(SESSION_COOKIE)?.value;
  const exp = token ? expiry(token) : null;
  const expired = token !== undefined && (exp === null || exp * 1000 <= Date.now());
  if (token && !expired) return NextResponse.next();
  if (request.nextUrl.pathname.startsWith("/bff/")) {
    return NextResponse.json({ detail: expired ? "session expired" : "not signed in" }, { status: 401 });
  }
  const query = new URLSearchParams();
  if (expired) query.set("reason", "expired");
  else if (request.nextUrl.pathname !== "/") query.set("next", request.nextUrl.pathname);
  return NextResponse.redirect(publicUrl(request, `${expired ? "/bff/auth/logout" : "/login"}${query.size ? `?${query}` : ""}`));
}

export const config = {
  // Everything except the login page, the auth routes, Next's assets and the favicon.
  matcher: ["/((?!login|bff/auth/|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
