import createClient, { type ClientPathsWithMethod, type Middleware } from "openapi-fetch";
import type { BffPaths } from "./bff-routes";

let leaving = false;

/** Stops the session guard from racing a deliberate logout (in-flight polls see 401 once it is done). */
export function leave(): void {
  leaving = true;
}

/** Sends the browser to the login page with a message when the API says the session is over. */
const sessionGuard: Middleware = {
  onResponse({ response }) {
    if (response.status === 401 && typeof window !== "undefined" && !leaving) {
      leaving = true;
      window.location.assign("/bff/auth/logout?reason=expired");
    }
    return response;
  },
};

/**
 * The typed client for client components: every call goes through the Next.js server (`/bff/api/...`), so it
 * knows only the routes the BFF forwards; a call to any other does not compile.
 */
export const api = createClient<BffPaths>({ baseUrl: "/bff", cache: "no-store" });
api.use(sessionGuard);

/** The BFF's address of an allow-listed GET route, for what openapi-fetch does not do (an EventSource). */
export function bffUrl(path: ClientPathsWithMethod<typeof api, "get">): string {
  return `/bff${path}`;
}

export function idempotencyKey(): string {
  return crypto.randomUUID();
}
