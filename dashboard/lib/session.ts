import "server-only";
import { cookies } from "next/headers";

export const SESSION_COOKIE = "liqfade_session";

export interface CookieOptions {
  httpOnly: true;
  sameSite: "strict";
  secure: boolean;
  path: "/";
  expires?: Date;
}

/** The cookie is httpOnly (no script reads it), same-site strict, and secure whenever served over https. */
export function sessionCookieOptions(secure: boolean, expires?: Date): CookieOptions {
  return { httpOnly: true, sameSite: "strict", secure, path: "/", ...(expires ? { expires } : {}) };
}

/** https as the browser saw it: directly, or through a TLS-terminating proxy (Railway, nginx). */
export function isHttps(url: string, forwardedProto: string | null): boolean {
  const proto = forwardedProto?.split(",")[0]?.trim() ?? new URL(url).protocol.replace(":", "");
  return proto === "https";
}

export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}
