import "server-only";
import createClient from "openapi-fetch";
import { redirect } from "next/navigation";
import { apiUrl } from "@/lib/env";
import { sessionToken } from "@/lib/session";
import type { paths } from "./schema";

/** The typed client for server components: talks to the API directly with the session's bearer token. */
export async function serverApi() {
  const token = await sessionToken();
  return createClient<paths>({
    baseUrl: apiUrl(),
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    cache: "no-store",
  });
}

/** Unwraps a server-side call: a 401 ends the session (back to login with a message); other errors are null. */
export function orLogin<T>(result: { data?: T; response: Response }): T | null {
  if (result.response.status === 401) redirect("/bff/auth/logout?reason=expired");
  return result.data ?? null;
}

/** Never let an unreachable API crash a page render: it renders empty and the client retries. */
export async function safely<T>(call: () => Promise<T | null>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && "digest" in error) throw error; // redirect() signals travel as errors
    return null;
  }
}
