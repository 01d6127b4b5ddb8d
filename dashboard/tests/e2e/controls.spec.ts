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

test("the health check shows its result", async ({ page }) => {
  await page.getByRole("button", { name: "Run health check" }).click();
  await expect(latest(page)).toContainText("Health check", { timeout: 20_000 });
  await expect(latest(page)).toContainText(/OK|FAILED|TIMEOUT/);
  await screenshots(page, "controls-health-check");
});
