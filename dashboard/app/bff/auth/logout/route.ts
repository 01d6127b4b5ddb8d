import type { NextRequest } from "next/server";
import { logout } from "@/lib/auth";
import { jsonError, sameOrigin } from "@/lib/proxy";
import { redirectTo } from "@/lib/redirect";
import { clearSession } from "@/lib/session";
import { SESSION_COOKIE } from "@/lib/token";

export const dynamic = "force-dynamic";

function toLogin(request: NextRequest, reason: "expired" | "signed-out"): Response {
  return clearSession(redirectTo(`/login?reason=${reason}`, 303), request);
}

/** GET: where a 401 sends the browser ("session expired"); the API has already refused the session. */
export async function GET(request: NextRequest): Promise<Response> {
  return toLogin(request, request.nextUrl.searchParams.get("reason") === "signed-out" ? "signed-out" : "expired");
}

/** POST: the logout button. The API revokes the session, so a copied cookie is worthless from now on. */
export async function POST(request: NextRequest): Promise<Response> {
  if (!sameOrigin(request)) return jsonError(403, "cross-site request refused");
  const token = request.cookies.get(SESSION_COOKIE)?.value;
  if (token) await logout(token);
  return toLogin(request, "signed-out");
}
