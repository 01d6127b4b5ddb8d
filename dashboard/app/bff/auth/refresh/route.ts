import type { NextRequest } from "next/server";
import { refresh } from "@/lib/auth";
import { redirectTo, safeNext } from "@/lib/redirect";
import { clearSession, setSession } from "@/lib/session";
import { REFRESH_COOKIE, needsRefresh } from "@/lib/token";

export const dynamic = "force-dynamic";

/**
 * Where the middleware sends a page request whose access token has expired: a new access token, then
 * back to the page; or, when the session is over, to the login page with a message.
 */
export async function GET(request: NextRequest): Promise<Response> {
  const refreshToken = request.cookies.get(REFRESH_COOKIE)?.value;
  const answer = refreshToken ? await refresh(refreshToken) : null;
  if (answer && !answer.ok && answer.status >= 500) {
    return new Response(`${answer.detail}. Reload the page to try again.`, {
      status: answer.status,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Retry-After": "5" },
    });
  }
  // A session in its last seconds gets an access token that is already due for refresh: it is over.
  if (!answer?.ok || needsRefresh(answer.session.access_token)) {
    return clearSession(redirectTo("/login?reason=expired", 303), request);
  }
  return setSession(redirectTo(safeNext(request.nextUrl.searchParams.get("next")), 303), request, answer.session);
}
