import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { apiUrl } from "@/lib/env";

const FORWARDED_REQUEST_HEADERS = ["accept", "content-type", "idempotency-key", "last-event-id"];
const FORWARDED_RESPONSE_HEADERS = ["content-type", "retry-after", "cache-control"];

/**
 * The host the browser addressed. X-Forwarded-Host only when TRUST_FORWARDED_HOST=1 (a proxy we run sets
 * it); otherwise a client could name any host it likes there.
 */
export function requestHost(headers: Headers): string | null {
  const forwarded = process.env.TRUST_FORWARDED_HOST === "1" ? headers.get("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
  return forwarded || headers.get("host");
}

/** A POST must come from our own pages: same-site cookies plus an Origin check close the CSRF door. */
export function sameOrigin(request: NextRequest): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true; // same-origin fetches from old browsers; the cookie is SameSite=Strict anyway
  try {
    return new URL(origin).host === requestHost(request.headers);
  } catch {
    return false;
  }
}

export function jsonError(status: number, detail: string): NextResponse {
  return NextResponse.json({ detail }, { status, headers: { "Cache-Control": "no-store" } });
}

/** Forwards one request to the API with the session's bearer token; streams the answer back (SSE too). */
export async function forward(request: NextRequest, path: string, token: string): Promise<NextResponse> {
  const headers = new Headers({ Authorization: `Bearer ${token}` });
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const target = `${apiUrl()}/api/${path}${request.nextUrl.search}`;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: request.method === "GET" ? undefined : await request.text(),
      cache: "no-store",
      signal: request.signal,
      redirect: "manual",
    });
  } catch {
    return jsonError(502, "the bot API is unreachable");
  }
  const out = new Headers({ "Cache-Control": "no-store" });
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  if (out.get("content-type")?.startsWith("text/event-stream")) {
    out.set("Cache-Control", "no-cache, no-transform");
    out.set("X-Accel-Buffering", "no");
  }
  return new NextResponse(upstream.body, { status: upstream.status, headers: out });
}
