import { NextResponse, type NextRequest } from "next/server";
import { login } from "@/lib/auth";
import { jsonError, sameOrigin } from "@/lib/proxy";
import { safeNext } from "@/lib/redirect";
import { setSession } from "@/lib/session";

export const dynamic = "force-dynamic";

/**
 * Exchanges the admin's email and password for the API's tokens, kept only in httpOnly cookies. Answers
 * where to go next: `next` when it is one of our pages, else "/".
 */
export async function POST(request: NextRequest): Promise<Response> {
  if (!sameOrigin(request)) return jsonError(403, "cross-site request refused");
  let body: { email?: unknown; password?: unknown; next?: unknown };
  try {
    body = (await request.json()) as typeof body;
  } catch {
    return jsonError(400, "expected JSON with email and password");
  }
  if (typeof body.email !== "string" || typeof body.password !== "string") {
    return jsonError(400, "expected JSON with email and password");
  }
  // x-liqfade-client: the browser's address, set by server.mjs on every request (never the browser's own say)
  const answer = await login(body.email, body.password, request.headers.get("x-liqfade-client"));
  if (!answer.ok) {
    const refused = jsonError(answer.status, answer.detail);
    if (answer.retryAfter) refused.headers.set("Retry-After", answer.retryAfter);
    return refused;
  }
  return setSession(NextResponse.json({ ok: true, next: safeNext(body.next) }), request, answer.session);
}
