import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test("live: the stream is proxied through the dashboard server", async ({ page }) => {
  await login(page);
  await expect(page.getByTestId("live-mode")).toHaveText("● live");
});

test("live: an unreachable API turns into a clear banner, and it clears when the API is back", async ({ page }) => {
  await login(page);
  await page.route("**/bff/api/**", (route) => route.fulfill({ status: 502, contentType: "application/json", body: '{"detail":"the bot API is unreachable"}' }));
  await expect(page.getByTestId("banner-unreachable")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("banner-unreachable")).toContainText("Cannot reach the bot API");
  await page.unroute("**/bff/api/**");
  await expect(page.getByTestId("banner-unreachable")).toHaveCount(0, { timeout: 20_000 });
});
