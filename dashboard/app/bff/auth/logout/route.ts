import { NextResponse, type NextRequest } from "next/server";
import { clearSession, sameOrigin, jsonError } from "@/lib/proxy";

export const dynamic = "force-dynamic";

const REASONS = new Set(["expired", "signed-out"]);

function toLogin(request: NextRequest, reason: string): NextResponse {
  const url = new URL("/login", request.url);
  url.search = "";
  url.searchParams.set("reason", REASONS.has(reason) ? reason : "signed-out");
  return clearSession(NextResponse.redirect(url, 303), request);
}

/** GET: where a 401 sends the browser ("session expired"). POST: the logout button. */
export async function GET(request: NextRequest): Promise<Response> {
  return toLogin(request, request.nextUrl.searchParams.get("reason") ?? "expired");
}

export async function POST(request: NextRequest): Promise<Response> {
  if (!sameOrigin(request)) return jsonError(403, "cross-site request refused");
  return toLogin(request, "signed-out");
}
