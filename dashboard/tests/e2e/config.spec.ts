import { expect, test, type Page } from "@playwright/test";
import { login } from "./helpers";

test.describe.configure({ mode: "serial" });

test.beforeEach(async ({ page }) => {
  await login(page);
  await page.getByRole("link", { name: "Config" }).click();
  await expect(page.getByTestId("cfg-risk")).toBeVisible();
});

async function versionCount(page: Page): Promise<number> {
  const rows = page.getByTestId("config-versions").locator("tbody tr");
  return (await page.getByTestId("config-versions").count()) ? rows.count() : 0;
}

test("an out-of-range value is flagged inline before anything is sent", async ({ page }) => {
  const field = page.getByLabel("Max trades per day");
  await field.fill("99");
  await expect(page.getByText("✕ must be at most 50")).toBeVisible();
  await expect(page.getByRole("button", { name: /Review & publish/ })).toBeDisabled();
});

test("an invalid config is refused by the server with the error at its field, and no version is made", async ({ page }) => {
  const before = await versionCount(page);
  await page.getByLabel("SOLUSDT").check(); // symbols: SOLUSDT without feature_flags.enable_sol
  await expect(page.getByTestId("error-symbols")).toContainText("SOLUSDT requires feature_flags.enable_sol");
  await page.getByRole("button", { name: /Review & publish/ }).click();
  await expect(page.getByTestId("config-message")).toContainText("Not publishable");
  await expect(page.getByTestId("publish-panel")).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("cfg-risk")).toBeVisible();
  expect(await versionCount(page)).toBe(before);
});

test("a valid change shows its diff, publishes with a note, and can be rolled back", async ({ page }) => {
  const before = await versionCount(page);
  const field = page.getByLabel("Max trades per day");
  const old = await field.inputValue();
  const next = old === "8" ? "7" : "8";
  await field.fill(next);
  await page.getByLabel("Enable SOLUSDT").check();
  await expect(page.getByTestId("config-check")).toHaveAttribute("data-state", "ok");
  await page.getByRole("button", { name: /Review & publish \(2 changes\)/ }).click();
  const diff = page.getByTestId("config-diff");
  await expect(diff).toContainText("risk.max_trades_per_day");
  await expect(diff).toContainText("feature_flags.enable_sol");
  await page.getByLabel(/Note for the version history/).fill("e2e: fewer trades, SOL flag on");
  await page.getByRole("button", { name: /Publish as v\d+/ }).click();
  await expect(page.getByTestId("config-message")).toContainText(/Published v\d+/);
  await expect.poll(() => versionCount(page)).toBe(before + 1);
  await expect(page.getByLabel("Max trades per day")).toHaveValue(next);
  const versions = page.getByTestId("config-versions");
  await expect(versions.locator("tbody tr").first()).toContainText("e2e: fewer trades");

  const previous = versions.locator("tbody tr").nth(1);
  const target = (await previous.innerText()).match(/v(\d+)/)?.[1];
  test.skip(!target, "no earlier version to roll back to");
  await previous.getByRole("button", { name: /Roll back/ }).click();
  await previous.getByRole("button", { name: /Confirm rollback/ }).click();
  await expect(page.getByTestId("config-message")).toContainText(`Rolled back to v${target}`);
  await expect(versions.locator("tbody tr").first()).toContainText(`rollback to v${target}`);
  await expect(page.getByLabel("Max trades per day")).toHaveValue(old);
});
