import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";

// Railway's health check for the dashboard (deploy/railway/dashboard.toml) must answer 200 without a
// session: a redirect or a 401 would fail every deploy.

function healthcheckPath(): string {
  const toml = readFileSync(join(__dirname, "..", "..", "..", "deploy", "railway", "dashboard.toml"), "utf8");
  const found = /^healthcheckPath\s*=\s*"([^"]+)"/m.exec(toml);
  if (!found?.[1]) throw new Error("dashboard.toml has no healthcheckPath");
  return found[1];
}

test("the dashboard's Railway health check path answers 200 without a session", async ({ request }) => {
  const response = await request.get(healthcheckPath(), { maxRedirects: 0 });
  expect(response.status()).toBe(200);
});
