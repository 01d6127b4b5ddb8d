import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test.beforeEach(async ({ page }) => {
  await login(page);
  await page.getByRole("link", { name: "Signals" }).click();
  await expect(page.getByTestId("signals-table")).toBeVisible();
});

test("a rejected setup shows its reason and measurement", async ({ page }) => {
  const rejected = page.getByTestId("signals-table").locator("tbody tr", { hasText: "REJECTED" });
  await expect(rejected.first()).toBeVisible();
  await expect(page.getByTestId("signals-table")).toContainText("spread");
  await expect(page.getByTestId("signals-table")).toContainText(/spread [\d.]+ bps > \d+ bps/);
});

test("filters: only rejected setups with reason volume", async ({ page }) => {
  await page.getByLabel("Outcome").selectOption("false");
  await page.getByLabel("Rejection reason").selectOption("volume");
  const rows = page.getByTestId("signals-table").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("REJECTED");
  await expect(rows.first().getByTestId("signal-reason")).toContainText("volume");
  await page.getByLabel("Outcome").selectOption("true");
  await expect(page.getByText("No setups match these filters.")).toBeVisible();
});
