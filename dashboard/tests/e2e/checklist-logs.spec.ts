import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test.beforeEach(async ({ page }) => login(page));

test("the checklist shows the seven items, each with a status word and evidence", async ({ page }) => {
  await page.getByRole("link", { name: "Checklist" }).click();
  const items = page.getByTestId("checklist").locator("li");
  await expect(items).toHaveCount(7);
  for (const title of ["All services online", "No risk limits hit", "No repeated errors", "PnL within expected band", "Open positions", "Last 24h trade count", "Notifications ok"]) {
    await expect(page.getByTestId("checklist")).toContainText(title);
  }
  for (const item of await items.all()) {
    await expect(item).toHaveAttribute("data-status", /^(ok|warn|fail)$/);
    await expect(item.locator(".badge")).toHaveText(/OK|CHECK|FAIL/);
    await expect(item.locator(".evidence")).not.toBeEmpty();
  }
});

test("logs: the last error with its stack snippet, a level filter and a search", async ({ page }) => {
  await page.getByRole("link", { name: "Logs" }).click();
  await expect(page.getByTestId("last-error")).toContainText(/\w/);
  await expect(page.getByTestId("stack-snippet")).toContainText("Traceback");
  await page.getByLabel("Minimum level").selectOption("ERROR");
  const rows = page.getByTestId("logs-table").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  await expect(rows.filter({ hasNotText: /ERROR|CRITICAL/ })).toHaveCount(0);
  await page.getByLabel("Minimum level").selectOption("");
  await page.getByLabel("Search messages").fill("recvWindow");
  await expect(rows.first()).toContainText("recvWindow");
  await page.getByLabel("Search messages").fill("no-such-text-zzz");
  await expect(page.getByText("No log lines match.")).toBeVisible();
});

test("the checklist page shows the database size and the event log's growth per family", async ({ page }) => {
  await page.getByRole("link", { name: "Checklist" }).click();
  await expect(page.getByTestId("storage-total")).toContainText(/Database \d+(\.\d)? (kB|MB|GB)/);
  const families = page.getByTestId("storage-families");
  await expect(families).toContainText("Decisions and money");
  await expect(families).toContainText("Heartbeats");
});
