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

test("live: when the API ends the stream (its access token expired), a new one is opened", async ({ page }) => {
  let streams = 0;
  await page.route("**/bff/api/stream", async (route) => {
    streams += 1;
    if (streams === 1) await route.fulfill({ status: 200, contentType: "text/event-stream", body: 'event: end\ndata: {"reason": "expired"}\n\n' });
    else await route.continue();
  });
  await login(page);
  await expect.poll(() => streams, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("live-mode")).toHaveText("● live");
  await expect(page).toHaveURL(/\/$/);
});
