import type { NextRequest } from "next/server";
import { clearSession, sameOrigin, jsonError } from "@/lib/proxy";
import { redirectTo } from "@/lib/redirect";

export const dynamic = "force-dynamic";

const REASONS = new Set(["expired", "signed-out"]);

function toLogin(request: NextRequest, reason: string): Response {
  const query = new URLSearchParams({ reason: REASONS.has(reason) ? reason : "signed-out" });
  return clearSession(redirectTo(`/login?${query}`, 303), request);
}

/** GET: where a 401 sends the browser ("session expired"). POST: the logout button. */
export async function GET(request: NextRequest): Promise<Response> {
  return toLogin(request, request.nextUrl.searchParams.get("reason") ?? "expired");
}

export async function POST(request: NextRequest): Promise<Response> {
  if (!sameOrigin(request)) return jsonError(403, "cross-site request refused");
  return toLogin(request, "signed-out");
}
