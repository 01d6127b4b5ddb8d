import { expect, test } from "@playwright/test";
import { credentials, login } from "./helpers";

test("a visitor without a session is sent to the login page", async ({ page }) => {
  await page.goto("/trades");
  await expect(page).toHaveURL(/\/login\?next=%2Ftrades/);
  const answer = await page.request.get("/bff/api/state");
  expect(answer.status()).toBe(401);
});

test("a wrong password is refused with a message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(credentials().email);
  await page.getByLabel("Password").fill("definitely-wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("login-error")).toContainText("wrong email or password");
});

test("login keeps the tokens in httpOnly same-site cookies that scripts cannot read", async ({ page, context }) => {
  await login(page);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "liqfade_session");
  const refresh = cookies.find((c) => c.name === "liqfade_refresh");
  for (const c of [session, refresh]) {
    expect(c?.httpOnly).toBe(true);
    expect(c?.sameSite).toBe("Strict");
    expect(await page.content()).not.toContain(c?.value ?? "no-token");
  }
  expect(session?.path).toBe("/");
  expect(refresh?.path).toBe("/bff"); // the refresh token goes to the dashboard server only
  // the access token lives 15 minutes, its cookie as long as the session (12 hours): then it is refreshed
  expect((session?.expires ?? 0) * 1000 - Date.now()).toBeGreaterThan(11 * 3600_000);
  expect(await page.evaluate(() => document.cookie)).not.toContain("liqfade_");
});

test("logout ends the session", async ({ page }) => {
  await login(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?reason=signed-out/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
});

test("an expired session goes back to login with a message", async ({ page, context, baseURL }) => {
  const exp = Math.floor(Date.now() / 1000) - 60;
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const stale = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "x", role: "admin", exp })}.sig`;
  await context.addCookies([{ name: "liqfade_session", value: stale, url: baseURL ?? "" }]);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?reason=expired/);
  await expect(page.getByTestId("login-reason")).toContainText("session has expired");
});

test("a token the API rejects (401) also returns to login with a message", async ({ page, context, baseURL }) => {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const forged = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "x", role: "admin", exp })}.forged`;
  await context.addCookies([{ name: "liqfade_session", value: forged, url: baseURL ?? "" }]);
  await page.goto("/trades");
  await expect(page).toHaveURL(/\/login\?reason=expired/);
  expect((await context.cookies()).find((c) => c.name === "liqfade_session")).toBeUndefined();
});
