import { expect, test, type Page } from "@playwright/test";
import { login, screenshots } from "./helpers";

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

test("the retention section comes last, with the replay window and its bounds", async ({ page }) => {
  await expect(page.locator("fieldset[data-testid^='cfg-']").last()).toHaveAttribute("data-testid", "cfg-retention");
  const section = page.getByTestId("cfg-retention");
  await expect(section.locator("legend").first()).toHaveText("Retention");
  await expect(section.getByLabel("Replay window (days of market data kept)")).toHaveValue("7");
  await expect(section).toContainText("2 ≤ x ≤ 90, whole number");
});

test("an out-of-range value is flagged inline before anything is sent", async ({ page }) => {
  const field = page.getByLabel("Max trades per day");
  await field.fill("99");
  await expect(page.getByText("✕ must be at most 50")).toBeVisible();
  await expect(page.getByRole("button", { name: /Review & publish/ })).toBeDisabled();
});

test("an invalid config is refused by the server with the error at its field, and no version is made", async ({ page }) => {
  const before = await versionCount(page);
  await page.getByTestId("cfg-general").getByRole("checkbox", { name: "SOLUSDT" }).check(); // without enable_sol
  await expect(page.getByTestId("error-symbols")).toContainText("SOLUSDT requires feature_flags.enable_sol");
  await page.getByRole("button", { name: /Review & publish/ }).click();
  await expect(page.getByTestId("config-message")).toContainText("Not publishable");
  await screenshots(page, "config-invalid");
  await expect(page.getByTestId("publish-panel")).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("cfg-risk")).toBeVisible();
  expect(await versionCount(page)).toBe(before);
});

async function publish(page: Page, note: string, expectedChanges: number): Promise<number> {
  await expect(page.getByTestId("config-check")).toHaveAttribute("data-state", "ok");
  await page.getByRole("button", { name: new RegExp(`Review & publish \\(${expectedChanges} changes?\\)`) }).click();
  await expect(page.getByTestId("publish-panel")).toBeVisible();
  await page.getByLabel(/Note for the version history/).fill(note);
  await page.getByRole("button", { name: /Publish as v\d+/ }).click();
  const message = page.getByTestId("config-message");
  await expect(message).toContainText(/Published v\d+/);
  return Number((await message.innerText()).match(/Published v(\d+)/)?.[1]);
}

test("a valid change shows its diff, publishes with a note, and can be rolled back", async ({ page }) => {
  const before = await versionCount(page);
  const trades = page.getByLabel("Max trades per day");
  await trades.fill("8");
  await page.getByLabel("Enable SOLUSDT").check();
  await page.getByRole("button", { name: /Review & publish \(2 changes\)/ }).click();
  const diff = page.getByTestId("config-diff");
  await expect(diff).toContainText("risk.max_trades_per_day");
  await expect(diff).toContainText("feature_flags.enable_sol");
  await screenshots(page, "config-review-diff");
  await page.getByRole("button", { name: "Back to editing" }).click();
  const first = await publish(page, "e2e: fewer trades, SOL flag on", 2);
  await expect.poll(() => versionCount(page)).toBe(before + 1);
  await expect(page.getByLabel("Max trades per day")).toHaveValue("8");
  await expect(page.getByLabel("Enable SOLUSDT")).toBeChecked();

  await page.getByLabel("Max trades per day").fill("6");
  const second = await publish(page, "e2e: even fewer trades", 1);
  expect(second).toBe(first + 1);
  await expect(page.getByLabel("Max trades per day")).toHaveValue("6");

  const versions = page.getByTestId("config-versions");
  const row = versions.locator("tbody tr", { hasText: `v${first}` }).filter({ hasText: "e2e: fewer trades" });
  await row.getByRole("button", { name: `Roll back to v${first}` }).click();
  await row.getByRole("button", { name: `Confirm rollback to v${first}` }).click();
  await expect(page.getByTestId("config-message")).toContainText(`Rolled back to v${first}, now active as v${second + 1}`);
  await expect(versions.locator("tbody tr").first()).toContainText(`rollback to v${first}`);
  await expect(versions.locator("tbody tr").first()).toContainText("ACTIVE");
  await expect(page.getByLabel("Max trades per day")).toHaveValue("8");
});
