import { NextResponse, type NextRequest } from "next/server";
import { apiUrl } from "@/lib/env";
import { jsonError, sameOrigin } from "@/lib/proxy";
import { SESSION_COOKIE, isHttps, sessionCookieOptions } from "@/lib/session";

export const dynamic = "force-dynamic";

/** Exchanges the admin's email and password for the API's JWT, kept only in an httpOnly cookie. */
export async function POST(request: NextRequest): Promise<Response> {
  if (!sameOrigin(request)) return jsonError(403, "cross-site request refused");
  let body: { email?: unknown; password?: unknown };
  try {
    body = (await request.json()) as typeof body;
  } catch {
    return jsonError(400, "expected JSON with email and password");
  }
  if (typeof body.email !== "string" || typeof body.password !== "string") {
    return jsonError(400, "expected JSON with email and password");
  }
  let upstream: Response;
  try {
    upstream = await fetch(`${apiUrl()}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: body.email, password: body.password }),
      cache: "no-store",
    });
  } catch {
    return jsonError(502, "the bot API is unreachable");
  }
  const answer = (await upstream.json().catch(() => ({}))) as {
    access_token?: string;
    expires_at?: string;
    detail?: string;
  };
  if (!upstream.ok || !answer.access_token) {
    return jsonError(upstream.status === 200 ? 502 : upstream.status, answer.detail ?? "login failed");
  }
  const expires = answer.expires_at ? new Date(answer.expires_at) : undefined;
  const response = NextResponse.json({ ok: true, expires_at: answer.expires_at ?? null });
  const secure = isHttps(request.url, request.headers.get("x-forwarded-proto"));
  response.cookies.set(SESSION_COOKIE, answer.access_token, sessionCookieOptions(secure, expires));
  return response;
}
