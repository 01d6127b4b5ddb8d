import { expect, test, type Page } from "@playwright/test";
import { login, screenshots } from "./helpers";

test.describe.configure({ mode: "serial" });

test.beforeEach(async ({ page }) => {
  await login(page);
  await page.getByRole("link", { name: "Controls" }).click();
  await expect(page.getByTestId("controls-card")).toBeVisible();
});

function latest(page: Page) {
  return page.getByTestId("outcome").first();
}

test("pause, then resume: each is accepted and the status follows", async ({ page }) => {
  await page.getByLabel(/Reason/).fill("e2e pause");
  await page.getByRole("button", { name: /Pause/ }).click();
  await expect(latest(page)).toContainText("Pause");
  await expect(latest(page)).toContainText(/ACCEPTED|SUBMITTED/);
  await expect(page.getByTestId("topbar-status")).toContainText("PAUSED", { timeout: 20_000 });

  await page.getByRole("button", { name: /Resume/ }).click();
  await expect(latest(page)).toContainText("Resume");
  await expect(latest(page)).toContainText(/ACCEPTED|SUBMITTED/);
  await expect(page.getByTestId("topbar-status")).toContainText("RUNNING", { timeout: 20_000 });
});

test("every action sends a fresh idempotency key", async ({ page }) => {
  await page.getByRole("button", { name: /Reset daily counters/ }).click();
  await page.getByRole("button", { name: /Reset daily counters/ }).click();
  await expect(page.getByTestId("outcome")).toHaveCount(2);
  const keys = await page.getByTestId("outcome").locator(".mono").allInnerTexts();
  expect(new Set(keys).size).toBe(2);
  for (const key of keys) expect(key).toMatch(/key [0-9a-f-]{36}/);
});

test("emergency flatten needs a confirmation, then reports its outcome", async ({ page }) => {
  await page.getByRole("button", { name: "Emergency flatten…" }).click();
  await expect(page.getByRole("alertdialog", { name: "Confirm flatten" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("outcome")).toHaveCount(0);
  await page.getByRole("button", { name: "Emergency flatten…" }).click();
  await page.getByRole("button", { name: "Yes, flatten now" }).click();
  await expect(latest(page)).toContainText("Flatten");
  await expect(latest(page)).toContainText(/ACCEPTED|SUBMITTED/);
  // the governor pauses after a flatten; the operator resumes when satisfied
  await expect(page.getByTestId("topbar-status")).toContainText("PAUSED", { timeout: 20_000 });
  await page.getByRole("button", { name: /Resume/ }).click();
  await expect(page.getByTestId("topbar-status")).toContainText("RUNNING", { timeout: 20_000 });
});

test("the health check shows every named check the executor ran", async ({ page }) => {
  await page.getByRole("button", { name: "Run health check" }).click();
  await expect(latest(page)).toContainText("Health check", { timeout: 20_000 });
  await expect(latest(page)).toContainText(/OK|FAILED/);
  const checks = latest(page).getByTestId("health-check");
  await expect(checks.first()).toBeVisible();
  const count = await checks.count();
  await expect(latest(page).getByTestId("health-summary")).toHaveText(new RegExp(`(all ${count} checks passed|\\d+ of ${count} checks failed)`));
  await expect(latest(page).locator('[data-testid="health-check"][data-name="connectivity"]')).toBeVisible();
  await screenshots(page, "controls-health-check");
});

const FAILED_REPORT = {
  command_id: "cmd-e2e",
  idempotency_key: "e2e-health",
  status: "failed",
  checks: [
    { name: "connectivity", ok: true, detail: "ping 41 ms" },
    { name: "clock_skew", ok: true, detail: "+12 ms against the exchange" },
    { name: "margin_type_BTCUSDT", ok: false, detail: "CROSSED at the exchange, config says ISOLATED: close the BTCUSDT position, then restart the executor" },
    { name: "user_stream", ok: true, detail: "connected 38 s ago" },
  ],
};

test("a failed health check is red, listed first, with the fix it names, readable on a phone", async ({ page }) => {
  // the paper executor's checks all pass: answer as a live one that found a problem
  await page.route("**/bff/api/control/health-check", (route) => route.fulfill({ json: FAILED_REPORT }));
  await page.setViewportSize({ width: 375, height: 812 });
  await page.getByRole("button", { name: "Run health check" }).click();
  const result = latest(page);
  await expect(result).toContainText("FAILED");
  await expect(result.getByTestId("health-summary")).toHaveText("1 of 4 checks failed");
  const first = result.getByTestId("health-check").first();
  await expect(first).toHaveAttribute("data-name", "margin_type_BTCUSDT");
  await expect(first).toHaveAttribute("data-ok", "false");
  await expect(first).toContainText("FAIL");
  await expect(first).toContainText("close the BTCUSDT position, then restart the executor");
  await expect(first).toHaveCSS("background-color", "rgb(251, 228, 216)"); // --fail-bg
  await expect(first.locator(".evidence")).toHaveCSS("color", "rgb(163, 58, 0)"); // --fail
  await expect(result.getByTestId("health-check").nth(1)).toHaveAttribute("data-ok", "true");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshots(page, "controls-health-check-failed");
});
