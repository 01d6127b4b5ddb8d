import type { NextRequest } from "next/server";
import { bffAllows } from "@/lib/api/bff-routes";
import { forward, jsonError, sameOrigin } from "@/lib/proxy";
import { withSession } from "@/lib/session";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Context = { params: Promise<{ path: string[] }> };

async function handle(request: NextRequest, context: Context): Promise<Response> {
  const path = (await context.params).path.join("/");
  if (!bffAllows(path, request.method)) return jsonError(404, "not found");
  if (request.method !== "GET" && !sameOrigin(request)) return jsonError(403, "cross-site request refused");
  return withSession(request, (token) => forward(request, path, token));
}

export const GET = handle;
export const POST = handle;
