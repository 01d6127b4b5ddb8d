import { NextResponse } from "next/server";

/**
 * A redirect with a relative Location. Behind a proxy (or Next's standalone server, which names itself
 * "localhost") the request URL's host is not the one the browser used, and cookies are per host.
 */
export function redirectTo(pathAndQuery: string, status: 303 | 307 = 307): NextResponse {
  return new NextResponse(null, { status, headers: { Location: pathAndQuery, "Cache-Control": "no-store" } });
}
