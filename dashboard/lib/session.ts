import "server-only";
import { cookies } from "next/headers";
import type { NextRequest, NextResponse } from "next/server";
import { refresh, type Session } from "@/lib/auth";
import { jsonError } from "@/lib/proxy";
import { REFRESH_COOKIE, SESSION_COOKIE, isHttps, needsRefresh } from "@/lib/token";

interface CookieOptions {
  httpOnly: true;
  sameSite: "strict";
  secure: boolean;
  path: "/" | "/bff";
  expires: Date;
}

/** httpOnly (no script reads them), same-site strict, and secure whenever served over https. */
function cookieOptions(request: NextRequest, path: CookieOptions["path"], expires: Date): CookieOptions {
  return { httpOnly: true, sameSite: "strict", secure: isHttps(request), path, expires };
}

/**
 * Both cookies live as long as the refresh token: the middleware must still see an expired access token
 * to send the browser to a refresh rather than to the login page. The refresh token goes only to /bff.
 */
export function setSession(response: NextResponse, request: NextRequest, session: Session): NextResponse {
  const expires = new Date(session.refresh_expires_at);
  response.cookies.set(SESSION_COOKIE, session.access_token, cookieOptions(request, "/", expires));
  response.cookies.set(REFRESH_COOKIE, session.refresh_token, cookieOptions(request, "/bff", expires));
  return response;
}

/** Ends both cookies on a response (an expired or revoked session, or logout). */
export function clearSession(response: NextResponse, request: NextRequest): NextResponse {
  response.cookies.set(SESSION_COOKIE, "", cookieOptions(request, "/", new Date(0)));
  response.cookies.set(REFRESH_COOKIE, "", cookieOptions(request, "/bff", new Date(0)));
  return response;
}

/**
 * Runs a BFF request with a usable access token: one about to expire is first refreshed (silently, the
 * new cookies ride on the answer). Any 401 from the API means the session is over: both cookies go.
 */
export async function withSession(request: NextRequest, call: (token: string) => Promise<NextResponse>): Promise<NextResponse> {
  let token = request.cookies.get(SESSION_COOKIE)?.value;
  const refreshToken = request.cookies.get(REFRESH_COOKIE)?.value;
  let renewed: Session | null = null;
  if ((!token || needsRefresh(token)) && refreshToken) {
    const answer = await refresh(refreshToken);
    if (answer.ok) {
      renewed = answer.session;
      token = renewed.access_token;
    } else if (answer.status < 500) {
      return clearSession(jsonError(401, answer.detail), request); // a refused refresh token: the session is over
    } else {
      return jsonError(answer.status, answer.detail);
    }
  }
  if (!token) return jsonError(401, "not signed in");
  const response = await call(token);
  if (response.status === 401) return clearSession(response, request);
  return renewed ? setSession(response, request, renewed) : response;
}

/** The access token for server components; the middleware has made sure it is not about to expire. */
export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}
