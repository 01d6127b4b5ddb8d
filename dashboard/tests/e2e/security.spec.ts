import { createHmac, randomUUID } from "node:crypto";
import { expect, test, type BrowserContext } from "@playwright/test";
import { credentials, login } from "./helpers";

// Issue 18: one test per hole in the operator's controls. Each failed on the dashboard before the fix.

const PAGES = ["/", "/trades", "/signals", "/config", "/controls", "/logs", "/checklist"];

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An HS256 JWT, the API's own format, signed with `secret`. */
function signedToken(claims: object, secret: string): string {
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** Well formed and expired; the signature does not matter, the middleware only reads `exp`. */
function expiredToken(): string {
  const past = Math.floor(Date.now() / 1000) - 60;
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: credentials().email, role: "admin", exp: past })}.stale`;
}

async function cookie(context: BrowserContext, name: string): Promise<string> {
  const value = (await context.cookies()).find((c) => c.name === name)?.value;
  if (!value) throw new Error(`no ${name} cookie`);
  return value;
}

test("a token signed with the old public demo secret is refused", async ({ page, context, baseURL }) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: credentials().email, role: "admin", typ: "access", sid: randomUUID(), jti: randomUUID(), iat: now, exp: now + 3600 };
  const forged = signedToken(claims, "change-me-demo-only");
  await context.addCookies([{ name: "liqfade_session", value: forged, url: baseURL ?? "" }]);
  expect((await page.request.get("/bff/api/state")).status()).toBe(401);
  await context.addCookies([{ name: "liqfade_session", value: forged, url: baseURL ?? "" }]); // the 401 cleared it
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel("Password")).toBeVisible();
});

test("the BFF forwards only the allow-listed API routes, each with its own method", async ({ request }) => {
  // Without a session: an allow-listed route answers 401 (it would be forwarded), any other 404.
  expect((await request.get("/bff/api/state")).status()).toBe(401);
  expect((await request.post("/bff/api/config/rollback/3")).status()).toBe(401);
  const refused: ReadonlyArray<readonly [string, string]> = [
    ["POST", "/bff/api/state"],
    ["GET", "/bff/api/config/publish"],
    ["POST", "/bff/api/auth/refresh"],
    ["POST", "/bff/api/auth/login"],
    ["POST", "/bff/api/config/rollback/%2E%2E"],
    ["GET", "/bff/api/nothing-here"],
  ];
  for (const [method, path] of refused) {
    expect((await request.fetch(path, { method })).status(), `${method} ${path}`).toBe(404);
  }
});

test("login never redirects to another origin, whatever `next` says", async ({ page, baseURL }) => {
  const origin = new URL(baseURL ?? "").origin;
  const { email, password } = credentials();
  for (const next of ["/\\evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example"]) {
    await page.goto(`/login?${new URLSearchParams({ next })}`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page, next).toHaveURL(`${origin}/`);
    await expect(page.getByTestId("live-mode")).toBeVisible(); // the overview itself, not a redirect's stop
  }
  const answered = async (next: string) =>
    ((await (await page.request.post("/bff/auth/login", { data: { email, password, next } })).json()) as { next?: string }).next;
  for (const next of ["/%2F%2Fevil.example", "/trades/..%2F..%2Fevil", "/\tevil.example", "javascript:alert(1)", "/bff/auth/logout", "/trades?x=%5C%5Cevil"]) {
    expect(await answered(next), next).toBe("/");
  }
  expect(await answered("/trades?symbol=BTCUSDT&side=LONG")).toBe("/trades?symbol=BTCUSDT&side=LONG");
});

test("failed logins lock out their own address only, not the right password from another", async ({ request }) => {
  const { email, password } = credentials();
  const attempt = (from: string, secret: string) =>
    request.post("/bff/auth/login", { data: { email, password: secret }, headers: { "X-Forwarded-For": from } });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await attempt("203.0.113.7", `wrong-${i}`)).status());
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  const elsewhere = await attempt("198.51.100.9", password);
  expect(elsewhere.status()).toBe(200);
  const again = await attempt("203.0.113.7", password);
  expect(again.status()).toBe(429);
  expect(Number(again.headers()["retry-after"])).toBeGreaterThan(0);
});

test("a signed-out session is refused, and its open live stream ends", async ({ page, context, baseURL }) => {
  await login(page);
  const access = await cookie(context, "liqfade_session");
  const refresh = await cookie(context, "liqfade_refresh");
  const stream = await fetch(`${baseURL}/bff/api/stream`, {
    headers: { Cookie: `liqfade_session=${access}`, Accept: "text/event-stream" },
    signal: AbortSignal.timeout(30_000),
  });
  expect(stream.status).toBe(200);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?reason=signed-out/);

  const events = await stream.text(); // the API checks the session each second, then ends the stream
  const end = events.match(/event: end\ndata: (.*)\n/);
  expect(end, events.slice(-500)).not.toBeNull();
  expect(JSON.parse(end?.[1] ?? "{}")).toEqual({ reason: "revoked" });

  const replay = (cookies: string) => fetch(`${baseURL}/bff/api/state`, { headers: { Cookie: cookies } });
  expect((await replay(`liqfade_session=${access}`)).status).toBe(401);
  // the refresh token of that login is refused too: an expired access token makes the BFF try it
  expect((await replay(`liqfade_session=${expiredToken()}; liqfade_refresh=${refresh}`)).status).toBe(401);
});

test("an expired access token is renewed silently while the session lasts", async ({ page, context }) => {
  await login(page);
  const session = (await context.cookies()).find((c) => c.name === "liqfade_session");
  if (!session) throw new Error("no session cookie");
  const stale = expiredToken();
  await context.addCookies([{ ...session, value: stale }]); // same name, host and path: replaces it
  await page.goto("/trades");
  await expect(page).toHaveURL(/\/trades$/);
  await expect(page.getByTestId("live-mode")).toHaveText("● live");
  const renewed = await cookie(context, "liqfade_session");
  expect(renewed).not.toBe(stale);
  const exp = (JSON.parse(Buffer.from(renewed.split(".")[1] ?? "", "base64url").toString()) as { exp: number }).exp;
  expect(exp * 1000).toBeGreaterThan(Date.now());
});

test("every page has a nonce-based CSP and runs without a single violation", async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && message.text().includes("Content Security Policy")) consoleErrors.push(message.text());
  });
  await login(page);
  for (const path of [...PAGES, "/login"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
    expect(policy, path).toContain("style-src 'self';");
    expect(policy, path).toContain("frame-ancestors 'none'");
    if (path === "/login") await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    else await expect(page.getByTestId("live-mode")).toHaveText("● live"); // hydrated, stream connected
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), path).toEqual([]);
  }
  expect(consoleErrors).toEqual([]);
});

test("HSTS is sent over https only", async ({ request }) => {
  const overHttps = await request.get("/login", { headers: { "X-Forwarded-Proto": "https" } });
  expect(overHttps.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
  const overHttp = await request.get("/login");
  expect(overHttp.headers()["strict-transport-security"]).toBeUndefined();
});
