import { NextResponse } from "next/server";

/** The dashboard's pages (app/(dashboard)): the only places a login or a refresh may send the browser. */
const PAGES = new Set(["/", "/trades", "/signals", "/config", "/controls", "/logs", "/checklist"]);
/** A query of plain characters and %-escapes, but no escaped slash, backslash or control character. */
const QUERY = /^(?:[\w.~=&+:,-]|%(?![01]|7f|2f|5c)[0-9a-f]{2})*$/i;
const MAX_LENGTH = 512;

/**
 * Where to go after login: `next` when it is one of our pages (with a plain query), else "/". An allow-list
 * rather than a check for "starts with one slash": browsers read `/\evil.example` as `//evil.example`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length > MAX_LENGTH) return "/";
  const at = next.indexOf("?");
  const path = at < 0 ? next : next.slice(0, at);
  const query = at < 0 ? "" : next.slice(at + 1);
  return PAGES.has(path) && QUERY.test(query) ? next : "/";
}

/**
 * A redirect with a relative Location. Behind a proxy (or Next's standalone server, which names itself
 * "localhost") the request URL's host is not the one the browser used, and cookies are per host.
 */
export function redirectTo(pathAndQuery: string, status: 303 | 307 = 307): NextResponse {
  return new NextResponse(null, { status, headers: { Location: pathAndQuery, "Cache-Control": "no-store" } });
}
