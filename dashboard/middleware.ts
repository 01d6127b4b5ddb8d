import { NextResponse, type NextRequest } from "next/server";
import { safeNext } from "@/lib/redirect";
import { SESSION_COOKIE, isHttps, needsRefresh } from "@/lib/token";

/**
 * The Content-Security-Policy of every page. Scripts run only with this request's nonce (Next puts it on
 * its own scripts when the request carries this header); 'strict-dynamic' lets them load Next's chunks.
 */
function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function nonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/**
 * An absolute URL on the host the browser addressed: Next 15 refuses a relative Location from middleware.
 * The Host header names it (X-Forwarded-Host only when TRUST_FORWARDED_HOST=1, see server.mjs).
 */
function publicUrl(request: NextRequest, pathAndQuery: string): URL {
  const forwarded = process.env.TRUST_FORWARDED_HOST === "1" ? request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
  const host = forwarded || request.headers.get("host") || request.nextUrl.host;
  return new URL(pathAndQuery, `${isHttps(request) ? "https" : "http"}://${host}`);
}

function page(request: NextRequest): NextResponse {
  const policy = contentSecurityPolicy(nonce());
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  if (isHttps(request)) response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return response;
}

/**
 * Every page but the login needs a session. An access token that has expired (or is about to) is renewed
 * by /bff/auth/refresh, which alone sees the refresh cookie; it sends the browser back here or to login.
 */
export function middleware(request: NextRequest): NextResponse {
  if (request.nextUrl.pathname === "/login") return page(request);
  const token = request.cookies.get(SESSION_COOKIE)?.value;
  const next = safeNext(request.nextUrl.pathname + request.nextUrl.search);
  if (!token) {
    const query = next === "/" ? "" : `?${new URLSearchParams({ next })}`;
    return NextResponse.redirect(publicUrl(request, `/login${query}`));
  }
  if (needsRefresh(token)) return NextResponse.redirect(publicUrl(request, `/bff/auth/refresh?${new URLSearchParams({ next })}`));
  return page(request);
}

export const config = {
  // Every page, the login included (for its headers). Not the BFF (its routes check the session
  // themselves and answer JSON), Next's assets or the icons.
  matcher: ["/((?!bff/|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
